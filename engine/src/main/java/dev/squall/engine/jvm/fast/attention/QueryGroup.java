package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.math.VectorMath;
import dev.squall.tasks.attention.AttentionMask;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Online-softmax attention of a group of up to {@link #MAX_QUERIES} queries over tiles of keys, the engine of
 * every tiled attention fast path (dense, windows, block layouts, projected keys, clusters). A caller
 * {@link #begin begins} the group, then per tile of at most {@link #MAX_KEYS} keys sets each query's visible rows
 * ({@link #lo}, {@link #hi}) and runs the {@link #tile} (scores, optionally edited: masks; softmax step; weighted
 * values); {@link #end} divides by the softmax sums and writes the outputs.
 *
 * <p>Visible rows: query {@code c} sees rows {@code [lo[c], hi[c])} of the tile (rows count keys from the tile's
 * first key), and both bounds never decrease with {@code c} (true of full tiles, the causal mask, windows and
 * block diagonals; holes are made by editing scores to −∞). Only what some query sees is computed: per panel of
 * queries the rows from the first one's {@code lo} to the last one's {@code hi}, per block of output rows the
 * depth between the same bounds, the rest masked lane by lane. A key a query does not see adds an exact zero or
 * an unchanged maximum, so a query's result depends only on the tiles and the keys it sees, never on its
 * neighbours in the group: results do not depend on how queries are grouped or split between threads.
 *
 * <p>Scores come out key-major ({@code Sᵀ = K·Qᵀ}, the group's {@code Qᵀ} packed once), so each query's softmax
 * runs down a column in whole vectors of queries (no lane reductions), and {@code acc = acc·correction + P·V}
 * reads the probabilities in place ({@link TileKernels#weighted}, the correction applied on the way). Each panel
 * of {@link TileKernels#COLUMNS} queries goes through the three steps before the next, so its scores stay in L1.
 */
final class QueryGroup {
    /** Most keys of a tile. */
    static final int MAX_KEYS = 64;
    /** Most queries of a group. */
    static final int MAX_QUERIES = 128;
    /** log₂e in float. */
    static final float LOG2E = 1.44269504088896341f;
    private static final VectorSpecies<Float> S = TileKernels.S;
    private static final int L = TileKernels.L;
    private static final int SR = TileKernels.SCORE_ROWS;
    private static final int OR = TileKernels.OUT_ROWS;
    private static final int COL = TileKernels.COLUMNS;
    private static final int TS = TileKernels.TS;
    /** Rows of a panel of the tile. */
    private static final int PANEL = MAX_KEYS + 2 * SR;

    /** First visible row of the current tile, per query. */
    final int[] lo = new int[MAX_QUERIES + COL];
    /** One past the last visible row of the current tile, per query. */
    final int[] hi = new int[MAX_QUERIES + COL];
    /** The key-major tile, panel by panel of queries: row {@code r} (a key), query {@code c} at {@link #at}. */
    final float[] tile = new float[(MAX_QUERIES + COL) * PANEL];
    /** Offsets of the queries in the array {@link #begin} was given, and of their outputs for {@link #end}. */
    final int[] rows = new int[MAX_QUERIES + COL];
    private final float[] loF = new float[MAX_QUERIES + COL];
    private final float[] hiF = new float[MAX_QUERIES + COL];
    private final float[] runMax = new float[MAX_QUERIES + COL];
    private final float[] runSum = new float[MAX_QUERIES + COL];
    private final float[] correction = new float[MAX_QUERIES + COL];
    private final float[] newMax = new float[MAX_QUERIES + COL];
    private final float[] tileSum = new float[MAX_QUERIES + COL];
    private float[] packedQ = new float[0];
    /** The unnormalised outputs, query {@code c} at {@code c·width}; whole blocks, padding queries included. */
    private float[] acc = new float[0];
    private int width;
    private int qn;
    private int cols;
    private int d;

    /**
     * Begins a group of {@code qn} queries of dimension {@code d}, query {@code c} at {@code q[qOff + c·qStride ..]}.
     */
    void begin(float[] q, int qOff, int qStride, int qn, int d) {
        for (int c = 0; c < qn; c++) {
            rows[c] = qOff + c * qStride;
        }
        begin(q, qn, d);
    }

    /**
     * Begins a group of {@code qn} queries of dimension {@code d}, query {@code c} at {@code q[rows[c] ..]}
     * ({@link #rows}, set by the caller). The queries are multiplied by {@link #logitScale}{@code (d)}, so that
     * the scores come out in base-2 units: the softmax then takes {@code 2^(s − max)}
     * ({@link VectorMath#exp2NonPositive}) and needs no multiplication per score.
     */
    void begin(float[] q, int qn, int d) {
        float qScale = logitScale(d);
        this.qn = qn;
        this.cols = (qn + COL - 1) / COL * COL;
        this.d = d;
        this.width = (d + COL - 1) / COL * COL;
        if (packedQ.length < cols * d) {
            packedQ = new float[cols * d];
        }
        if (acc.length < cols * width) {
            acc = new float[cols * width];
        }
        packQueries(q, qScale);
        Arrays.fill(acc, 0, cols * width, 0f);
        Arrays.fill(runMax, 0, cols, Float.NEGATIVE_INFINITY);
        Arrays.fill(runSum, 0, cols, 0f);
    }

    /** The queries, times {@code qScale}, into panels {@code [d][COLUMNS]} of {@code Qᵀ} (zeros past the last query). */
    private void packQueries(float[] q, float qScale) {
        for (int c = qn; c < cols; c++) {
            rows[c] = rows[qn - 1]; // padding queries repeat the last one; their scores are never used
        }
        for (int c0 = 0; c0 < cols; c0 += L) {
            int panel = c0 / COL * COL * d + c0 % COL;
            int p = 0;
            for (; p + L <= d; p += L) {
                TileKernels.transpose(q, rows, c0, p, qScale, packedQ, panel + p * COL);
            }
            for (; p < d; p++) {
                for (int c = 0; c < L; c++) {
                    packedQ[panel + p * COL + c] = q[rows[c0 + c] + p] * qScale;
                }
            }
        }
    }

    /**
     * What the queries are multiplied by: the attention scale {@code 1/√d} times {@code log₂e}. An additive mask
     * must be converted to match ({@link #maskInLogitUnits}).
     */
    static float logitScale(int d) {
        return AttentionMask.scale(d) * LOG2E;
    }

    /**
     * A mask value in the scores' base-2 units: {@code mask·log₂e}, except that a finite mask stays finite
     * ({@code −Float.MAX_VALUE}, HuggingFace's "finfo.min" for a hidden key, would overflow to −∞ and hide a key
     * that the plain kernels keep as equal to the others so hidden).
     */
    static float maskInLogitUnits(float mask) {
        float x = mask * LOG2E;
        return Float.isInfinite(x) && !Float.isInfinite(mask) ? Math.copySign(Float.MAX_VALUE, mask) : x;
    }

    /** Queries in the group. */
    int queries() {
        return qn;
    }

    /**
     * Whether some query sees a row of the tile whose ranges are set ({@link #lo}, {@link #hi} for
     * {@code c < queries()}); when not, the tile changes nothing and can be skipped.
     */
    boolean anyVisible() {
        for (int c = 0; c < qn; c++) {
            if (lo[c] < hi[c]) {
                return true;
            }
        }
        return false;
    }

    /** Edits the visible scores of a tile's panel of queries before its softmax (masks, holes). */
    @FunctionalInterface
    interface ScoreEdit {
        /** Edits the visible scores ({@link #at}) of queries {@code [c0, c1)}. */
        void edit(QueryGroup g, int c0, int c1);
    }

    /**
     * One tile of {@code kn} keys: for each panel of {@link TileKernels#COLUMNS} queries, the visible scores (key
     * {@code r} read at {@code k[kBase + r·kStride ..]}), {@code edit} (or none), one online-softmax step, then
     * {@code acc = acc·correction + P·V} with the values of the tile's first key at
     * {@code values[vOff + g·valueStride ..]} for column panel {@code g} ({@link KeyValuePanels}). The ranges
     * ({@link #lo}, {@link #hi}) must be set for the group's queries and lie within {@code [0, kn)}.
     */
    void tile(float[] k, int kBase, int kStride, int kn, float[] values, int vOff, int valueStride, ScoreEdit edit) {
        int top = qn == 0 ? 0 : hi[qn - 1];
        for (int c = qn; c < cols; c++) {
            lo[c] = top; // padding columns: empty, and the bounds still never decrease
            hi[c] = top;
        }
        for (int c0 = 0; c0 < cols; c0 += COL) {
            int rhi = hi[c0 + COL - 1];
            if (lo[c0] >= rhi) {
                Arrays.fill(correction, c0, c0 + COL, 1f);
                continue;
            }
            int base = c0 * PANEL;
            int qOff = c0 * d;
            for (int r = lo[c0] / SR * SR; r < rhi; r += SR) {
                TileKernels.scores(k, kBase + r * kStride, kStride, kn - r, packedQ, qOff, d, tile, base + r * TS);
            }
            if (edit != null) {
                edit.edit(this, c0, Math.min(c0 + COL, qn));
            }
            for (int c = c0; c < c0 + COL; c += L) {
                softmax(c, base + c - c0);
            }
            for (int c = c0; c < Math.min(c0 + COL, qn); c += OR) {
                int p0 = lo[c];
                int p1 = hi[Math.min(c + OR, qn) - 1];
                for (int g = 0; p0 < p1 && g * COL < d; g++) {
                    TileKernels.weighted(tile, base + c - c0 + p0 * TS, values, vOff + g * valueStride + p0 * COL,
                            p1 - p0, correction, c, acc, c * width + g * COL, width);
                }
            }
        }
    }

    /**
     * One more key for query {@code c} alone (a query's own key, where its key set is not a shared tile): its score
     * (the packed query times the key at {@code k[kRow ..]}, in base-2 units), one online-softmax step and
     * {@code acc += p·v} with the value at {@code v[vRow ..]}.
     */
    void foldOwnKey(int c, float[] k, int kRow, float[] v, int vRow) {
        int panel = c / COL * COL * d + c % COL;
        float s = 0f;
        for (int p = 0; p < d; p++) {
            s = Math.fma(packedQ[panel + p * COL], k[kRow + p], s);
        }
        float old = runMax[c];
        float m = Math.max(old, s);
        float shift = m == Float.NEGATIVE_INFINITY ? 0f : m;
        float corr = VectorMath.exp2NonPositive(FloatVector.broadcast(S, old - shift)).lane(0);
        float e = VectorMath.exp2NonPositive(FloatVector.broadcast(S, s - shift)).lane(0);
        runSum[c] = runSum[c] * corr + e;
        runMax[c] = m;
        int a = c * width;
        int x = 0;
        for (; x + L <= d; x += L) {
            FloatVector.fromArray(S, v, vRow + x).fma(FloatVector.broadcast(S, e), FloatVector.fromArray(S, acc, a + x).mul(corr))
                    .intoArray(acc, a + x);
        }
        for (; x < d; x++) {
            acc[a + x] = Math.fma(v[vRow + x], e, acc[a + x] * corr);
        }
    }

    /** Where the score of row {@code r}, query {@code c} of the current tile is in {@link #tile}. */
    static int at(int r, int c) {
        return c / COL * COL * PANEL + r * TS + c % COL;
    }

    /** Writes output {@code c} to {@code out[outOff + c·ldo ..]}, divided by its softmax sum (zeros if it saw no key). */
    void end(float[] out, int outOff, int ldo) {
        for (int c = 0; c < qn; c++) {
            rows[c] = outOff + c * ldo;
        }
        end(out);
    }

    /**
     * Writes output {@code c} to {@code out[rows[c] ..]} ({@link #rows}, set by the caller), divided by its softmax
     * sum (zeros for a query that saw no key).
     */
    void end(float[] out) {
        for (int c = 0; c < qn; c++) {
            float inv = runSum[c] > 0f ? 1f / runSum[c] : 0f;
            int o = rows[c];
            int a = c * width;
            int e = 0;
            for (; e + L <= d; e += L) {
                FloatVector.fromArray(S, acc, a + e).mul(inv).intoArray(out, o + e);
            }
            for (; e < d; e++) {
                out[o + e] = acc[a + e] * inv;
            }
        }
    }

    /**
     * The softmax step for queries {@code [c0, c0 + L)}, whose scores of row 0 start at {@code tile[col]}: hidden
     * entries of the rows some but not all of them see become −∞; then column maxima, {@code 2^(score − max)} in
     * place, sums and corrections. Split into small methods that pass no vectors: C2 then inlines the exponential
     * into each loop for sure (in one large method it sometimes ran out of its node budget and called it, boxing
     * every vector: identical code measured 30 % apart from one JVM to the next).
     */
    private void softmax(int c0, int col) {
        int last = c0 + L - 1;
        int rlo = lo[c0];
        int rhi = hi[last];
        if (rlo >= rhi) {
            Arrays.fill(correction, c0, c0 + L, 1f);
            return;
        }
        int fullLo = Math.min(Math.max(lo[last], rlo), rhi);
        int fullHi = Math.min(Math.max(hi[c0], fullLo), rhi);
        if (fullLo > rlo || fullHi < rhi) {
            for (int c = c0; c <= last; c++) {
                loF[c] = lo[c];
                hiF[c] = hi[c];
            }
            hide(c0, col, rlo, fullLo);
            hide(c0, col, fullHi, rhi);
        }
        maxima(c0, col, rlo, rhi);
        exponentials(c0, col, rlo, rhi);
        corrections(c0);
    }

    /** Sets to −∞ the entries of rows {@code [r0, r1)} (queries {@code [c0, c0 + L)} from {@code tile[col]}) that their query does not see. */
    private void hide(int c0, int col, int r0, int r1) {
        FloatVector loV = FloatVector.fromArray(S, loF, c0);
        FloatVector hiV = FloatVector.fromArray(S, hiF, c0);
        for (int r = r0; r < r1; r++) {
            VectorMask<Float> seen = loV.compare(VectorOperators.LE, r).and(hiV.compare(VectorOperators.GT, r));
            int at = col + r * TS;
            FloatVector.fromArray(S, tile, at).blend(Float.NEGATIVE_INFINITY, seen.not()).intoArray(tile, at);
        }
    }

    /**
     * {@code newMax[c] = max(runMax[c], column maxima of rows [rlo, rhi))}: four rows at a time in four accumulators,
     * by compare and blend (one chain through Java's {@code max}, which also orders −0 and NaN, took six times as
     * long). The maximum does not depend on the order.
     */
    private void maxima(int c0, int col, int rlo, int rhi) {
        FloatVector m0 = FloatVector.fromArray(S, runMax, c0);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        int r = rlo;
        for (; r + 4 <= rhi; r += 4) {
            int at = col + r * TS;
            m0 = larger(m0, FloatVector.fromArray(S, tile, at));
            m1 = larger(m1, FloatVector.fromArray(S, tile, at + TS));
            m2 = larger(m2, FloatVector.fromArray(S, tile, at + 2 * TS));
            m3 = larger(m3, FloatVector.fromArray(S, tile, at + 3 * TS));
        }
        for (; r < rhi; r++) {
            m0 = larger(m0, FloatVector.fromArray(S, tile, col + r * TS));
        }
        larger(larger(m0, m1), larger(m2, m3)).intoArray(newMax, c0);
    }

    private static FloatVector larger(FloatVector a, FloatVector b) {
        return a.blend(b, b.compare(VectorOperators.GT, a));
    }

    /** {@code 2^(score − shift)} in place for rows {@code [rlo, rhi)}, their sums into {@link #tileSum}. */
    private void exponentials(int c0, int col, int rlo, int rhi) {
        FloatVector m = FloatVector.fromArray(S, newMax, c0);
        FloatVector shift = m.blend(0f, m.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
        FloatVector sum = FloatVector.zero(S);
        for (int r = rlo; r < rhi; r++) {
            int at = col + r * TS;
            FloatVector e = VectorMath.exp2NonPositive(FloatVector.fromArray(S, tile, at).sub(shift));
            e.intoArray(tile, at);
            sum = sum.add(e);
        }
        sum.intoArray(tileSum, c0);
    }

    /** The corrections {@code 2^(old − shift)}, the running sums and maxima of queries {@code [c0, c0 + L)}. */
    private void corrections(int c0) {
        FloatVector m = FloatVector.fromArray(S, newMax, c0);
        FloatVector shift = m.blend(0f, m.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
        FloatVector corr = VectorMath.exp2NonPositive(FloatVector.fromArray(S, runMax, c0).sub(shift));
        FloatVector.fromArray(S, runSum, c0).mul(corr).add(FloatVector.fromArray(S, tileSum, c0)).intoArray(runSum, c0);
        m.intoArray(runMax, c0);
        corr.intoArray(correction, c0);
    }
}
