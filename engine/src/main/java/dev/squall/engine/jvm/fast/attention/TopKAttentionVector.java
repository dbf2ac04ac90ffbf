package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.KeyStream;
import dev.squall.tasks.attention.TopKAttention;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link TopKAttention#attention} with the scores of a group of queries computed as register-blocked key-major
 * tiles ({@link TileKernels#exactScores}: the plain kernel's arithmetic, bit for bit) and offered to each query's
 * heap in key order, a vector of queries at a time: once a heap is full only a score above its root can enter
 * (a later key never wins a tie), so a compare against the roots leaves nearly every score without a heap
 * operation. The heaps, and the softmax over the kept keys (the plain {@link KeyStream}), are then exactly the
 * plain kernel's: outputs are bit-identical to it.
 */
@FastPathFor(TopKAttention.class)
public final class TopKAttentionVector implements FastPath {
    private static final VectorSpecies<Float> S = TileKernels.S;
    private static final int L = TileKernels.L;
    private static final int SR = TileKernels.SCORE_ROWS;
    private static final int COL = TileKernels.COLUMNS;
    private static final int KB = QueryGroup.MAX_KEYS;
    private static final int GROUP = QueryGroup.MAX_QUERIES;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public TopKAttentionVector() {
    }

    /** Per-thread state: the group's queries, one panel's score tile, each query's heap size and admission bound. */
    private static final class Buffers {
        final int[] rows = new int[GROUP + COL];
        final float[] tile = new float[(KB + SR) * COL];
        final int[] size = new int[GROUP + COL];
        /** The score a new key must beat: the heap's root once full, −∞ before. */
        final float[] bound = new float[GROUP + COL];
        /** 0 while a query's heap has room (every key enters), 1 once full. */
        final float[] full = new float[GROUP + COL];
        float[] packedQ = new float[0];
        final int[] ctx = new int[KeyStream.CTX];
        final int[] keys = new int[KeyStream.TILE];
        final float[] scores = new float[KeyStream.TILE];
        final float[] st = new float[KeyStream.STATE];
    }

    /** Same contract as {@link TopKAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int[] pattern,
                                 float[] topScore, int[] topKey, int heads, int d, int ld, int kCol, int vCol,
                                 int rowOffset, int rowCount) {
        boolean causal = (pattern[TopKAttention.FLAGS] & AttentionMask.CAUSAL) != 0;
        int kk = pattern[TopKAttention.K];
        Buffers w = BUFFERS.get();
        KeyValuePanels kv = FusedAttentionVector.workspace().panels;
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, i0, i1) -> {
            int n = end - start;
            kv.select(k, v, ld, kCol + h * d, vCol + h * d, start, 1, n, d);
            for (int a = i0; a < i1; a += GROUP) {
                int qn = Math.min(GROUP, i1 - a);
                select(w, kv, q, topScore, topKey, causal, kk, heads, h, d, ld, start, n, a, qn);
                for (int c = 0; c < qn; c++) {
                    int t = a + c;
                    int base = (t * heads + h) * kk;
                    for (int e = w.size[c]; e < kk; e++) {
                        topScore[base + e] = Float.NEGATIVE_INFINITY;
                        topKey[base + e] = -1;
                    }
                    KeyStream.beginToken(w.ctx, w.st, out, t, h, heads, d, ld, kCol, vCol);
                    for (int e = 0; e < w.size[c]; e++) {
                        KeyStream.addScored(start + topKey[base + e], topScore[base + e], w.ctx, w.keys, w.scores, w.st, v,
                                out);
                    }
                    KeyStream.end(w.ctx, w.keys, w.scores, w.st, q, k, v, out);
                }
            }
        });
    }

    /** The heaps of queries {@code [a, a + qn)} (tokens) of head {@code h}: every key they see, in key order. */
    private static void select(Buffers w, KeyValuePanels kv, float[] q, float[] topScore, int[] topKey, boolean causal,
                               int kk, int heads, int h, int d, int ld, int start, int n, int a, int qn) {
        int cols = (qn + COL - 1) / COL * COL;
        for (int c = 0; c < cols; c++) {
            w.rows[c] = (Math.min(a + c, a + qn - 1)) * ld + h * d; // padding queries repeat the last one
        }
        if (w.packedQ.length < cols * d) {
            w.packedQ = new float[cols * d];
        }
        for (int c0 = 0; c0 < cols; c0 += L) {
            int panel = c0 / COL * COL * d + c0 % COL;
            int p = 0;
            for (; p + L <= d; p += L) {
                TileKernels.transpose(q, w.rows, c0, p, 1f, w.packedQ, panel + p * COL);
            }
            for (; p < d; p++) {
                for (int c = 0; c < L; c++) {
                    w.packedQ[panel + p * COL + c] = q[w.rows[c0 + c] + p];
                }
            }
        }
        Arrays.fill(w.size, 0, cols, 0);
        Arrays.fill(w.bound, 0, cols, Float.NEGATIVE_INFINITY);
        Arrays.fill(w.full, 0, cols, 0f);
        float scale = AttentionMask.scale(d);
        int first = a - start; // the group's first query, from the sequence start
        int keyEnd = causal ? first + qn : n;
        for (int j0 = 0; j0 < keyEnd; j0 += KB) {
            int kn = Math.min(KB, keyEnd - j0);
            kv.ensure(j0, j0 + kn);
            for (int c0 = 0; c0 < cols; c0 += COL) {
                for (int r = 0; r < kn; r += SR) {
                    TileKernels.exactScores(kv.keys, (j0 + r) * d, d, kn - r, w.packedQ, c0 * d, d, scale, w.tile, r * COL);
                }
                for (int r = 0; r < kn; r++) {
                    for (int c = c0; c < c0 + COL; c += L) {
                        offer(w, topScore, topKey, kk, heads, h, causal, a, qn, first, j0 + r, r * COL + c - c0, c);
                    }
                }
            }
        }
    }

    /**
     * Offers key {@code j} (scores at {@code w.tile[at ..]}) to the heaps of queries {@code [c, c + L)} that see it
     * and would keep it.
     */
    private static void offer(Buffers w, float[] topScore, int[] topKey, int kk, int heads, int h, boolean causal,
                              int a, int qn, int first, int j, int at, int c) {
        FloatVector s = FloatVector.fromArray(S, w.tile, at);
        VectorMask<Float> admit = s.compare(VectorOperators.GT, FloatVector.fromArray(S, w.bound, c))
                .or(FloatVector.fromArray(S, w.full, c).compare(VectorOperators.EQ, 0f));
        // Queries c + lane exist, and see key j when causal (j ≤ their position first + c + lane).
        int lanes = Math.min(L, qn - c);
        int seen = causal ? Math.max(0, j - first - c) : 0;
        if (seen >= lanes || !admit.anyTrue()) {
            return;
        }
        long bits = admit.toLong();
        for (int lane = seen; lane < lanes; lane++) {
            if ((bits >>> lane & 1) != 0) {
                int cc = c + lane;
                int base = ((a + cc) * heads + h) * kk;
                int size = TopKAttention.offer(topScore, topKey, base, w.size[cc], kk, w.tile[at + lane], j);
                w.size[cc] = size;
                if (size == kk) {
                    w.full[cc] = 1f;
                    w.bound[cc] = topScore[base];
                }
            }
        }
    }
}
