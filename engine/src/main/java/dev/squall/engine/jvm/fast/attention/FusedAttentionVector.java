package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.math.SoftmaxRows;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

/**
 * Fast path of {@link FusedAttention#attention}: the same online softmax (over key tiles of its own size), with
 * both products of a tile run by the blocked GEMM of {@link GemmDriver}. The scores come out key-major
 * ({@code Sᵀ = K·Qᵀ}, the group's {@code Qᵀ} packed once), the softmax runs down each query's column in whole
 * vectors of queries ({@link SoftmaxRows#softmaxColumns}), and {@code out += P·V} reads the probability tile
 * in place ({@link GemmDriver#productColumns}). Each key and value tile is packed once per head and call and kept
 * for the thread's other query groups ({@link PackedTiles}: two per-thread arrays of at most the sequence's
 * {@code N·d} floats), so no tile is transposed or repacked per query group and no row needs a lane reduction
 * (measured history: {@code docs/performance.md}).
 *
 * <p>Consecutive query blocks of one head and sequence that fall in the same slice of rows are processed
 * together, up to {@link #GROUP} queries, so each key tile serves more queries. This does not change any
 * result, since every column is computed on its own: with the causal mask a block may then also visit key tiles
 * past its own, where every key is masked, which leaves its maximum, sum and output exactly as they were
 * (correction exp(0) = 1, P = exp(−∞) = 0). A query that has seen no visible key yet keeps a zero column of P,
 * so its output stays zero.
 */
@FastPathFor(FusedAttention.class)
public final class FusedAttentionVector implements FastPath {
    private static final int QB = FusedAttention.QUERY_BLOCK;
    /**
     * Keys per tile: more than the plain kernel's {@link FusedAttention#KEY_BLOCK}, so each tile's P·V runs
     * deeper and the per-tile bookkeeping (row maxima, rescaling of the output rows) is paid less often.
     * Online softmax gives the same result for any key blocking, up to rounding. At most {@link GemmDriver#KC}:
     * P·V runs as one depth block.
     */
    private static final int KB = 128;
    /** Queries processed together: up to eight query blocks. */
    static final int GROUP = 8 * QB;
    /** Row stride of the key-major tile: the column-major A of {@link GemmDriver#productColumns}. */
    private static final int TS = GemmDriver.COLUMN_STRIDE;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public FusedAttentionVector() {
    }

    /** Fast {@link FusedAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] mask, float[] out, int[] seqStart,
                                 int heads, int d, int ld, int kCol, int vCol, int maskFlags, int maxLen,
                                 int rowOffset, int rowCount) {
        run(new Shape(q, k, v, mask, out, heads, d, ld, kCol, vCol, maskFlags, maxLen, -1), seqStart, rowOffset,
                rowCount);
    }

    /** Fast {@link FusedAttention#attentionWithLse}, the forward that training runs: {@link ForwardWithLse}. */
    public static void attentionWithLse(float[] q, float[] k, float[] v, float[] out, float[] lse, int[] seqStart,
                                        int heads, int d, int ld, int kCol, int vCol, int causal, int rowOffset,
                                        int rowCount) {
        ForwardWithLse.run(q, k, v, out, lse, seqStart, heads, d, ld, kCol, vCol, causal, rowOffset, rowCount);
    }

    /**
     * A local window ({@link dev.squall.tasks.attention.WindowAttention} with dilation 1 and no global
     * positions): query {@code i} sees keys {@code |i − j| ≤ radius} of its sequence ({@code j ≤ i} too when
     * causal), as blocked products over the keys of each query group's window, on the same rows.
     */
    static void window(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int heads, int d, int ld,
                       int kCol, int vCol, boolean causal, int radius, int rowOffset, int rowCount) {
        run(new Shape(q, k, v, null, out, heads, d, ld, kCol, vCol, causal ? AttentionMask.CAUSAL : 0, 0, radius),
                seqStart, rowOffset, rowCount);
    }

    private static void run(Shape shape, int[] seqStart, int rowOffset, int rowCount) {
        if (rowCount <= 0) {
            return;
        }
        WORKSPACE.get().forgetTiles();
        int heads = shape.heads();
        int firstBlock = rowOffset / heads;
        int lastBlock = (rowOffset + rowCount - 1) / heads;
        for (int h = 0; h < heads; h++) {
            // Query blocks of head h in this slice: rows blk·heads + h within [rowOffset, rowOffset + rowCount).
            int blk = rowOffset <= firstBlock * heads + h ? firstBlock : firstBlock + 1;
            int blkEnd = rowOffset + rowCount > lastBlock * heads + h ? lastBlock + 1 : lastBlock;
            int b = 0;
            int seqFirstBlock = 0;
            while (blk < blkEnd) {
                while (blk >= seqFirstBlock + FusedAttention.blocksOf(seqStart, b)) {
                    seqFirstBlock += FusedAttention.blocksOf(seqStart, b);
                    b++;
                }
                int blocks = Math.min(Math.min(GROUP / QB, blkEnd - blk),
                        seqFirstBlock + FusedAttention.blocksOf(seqStart, b) - blk);
                int i0 = seqStart[b] + (blk - seqFirstBlock) * QB;
                int i1 = Math.min(i0 + blocks * QB, seqStart[b + 1]);
                group(shape, h, seqStart[b], seqStart[b + 1], i0, i1 - i0);
                blk += blocks;
            }
        }
    }

    /** The arguments of one call; {@code radius} bounds {@code |i − j|}, or is negative for no window. */
    private record Shape(float[] q, float[] k, float[] v, float[] mask, float[] out, int heads, int d, int ld,
                         int kCol, int vCol, int maskFlags, int maxLen, int radius) {
    }

    /** Per-thread buffers of {@link #group}. */
    private static final class Workspace {
        /** A key-major tile of scores, then of probabilities: key {@code r}, query {@code c} at {@code r·TS + c}. */
        final float[] tile = new float[KB * TS];
        /** The group's queries as packed panels of {@code Qᵀ}. */
        final float[] packedQ = new float[GROUP * GemmDriver.KC];
        final float[] runMax = new float[GROUP];
        final float[] runSum = new float[GROUP];
        final float[] correction = new float[GROUP];
        /** Packed key tiles ({@link GemmDriver#packRows}): the A of the scores. */
        final PackedTiles keys = new PackedTiles();
        /** Packed value tiles ({@link GemmDriver#packPanels}): the B of {@code P·V}. */
        final PackedTiles values = new PackedTiles();

        /** Forgets the packed tiles: a new call may bring new K and V. */
        void forgetTiles() {
            keys.forget();
            values.forget();
        }

        /**
         * The offset in {@code keys.data} of the key tile at {@code j0} of head {@code h} in the sequence at
         * {@code start}: all {@code kn} keys the tile has there, so any group can use it.
         */
        int keyTile(Shape s, int h, int start, int j0, int kn) {
            return keys.tile(h, start, j0, KB * s.d(), (data, off) -> GemmDriver.packRows(
                    new GemmDriver.Matrix(s.k(), s.ld(), j0, s.kCol() + h * s.d()), kn, s.d(), data, off));
        }

        /** The offset in {@code values.data} of the value tile at {@code j0}, as {@link #keyTile}. */
        int valueTile(Shape s, int h, int start, int j0, int kn) {
            return values.tile(h, start, j0, GemmDriver.panelFloats(s.d(), KB), (data, off) -> GemmDriver.packPanels(
                    new GemmDriver.Matrix(s.v(), s.ld(), j0, s.vCol() + h * s.d()), false, s.d(), kn, data, off));
        }
    }

    /**
     * Tiles of {@link #KB} keys (or values) of one head and sequence, each packed once per call and kept for the
     * thread's other query groups of that head: tiles {@code [lo, hi)} counted from the sequence start, tile
     * {@code t} at {@code (t − lo)·tileFloats}. At most the sequence's {@code N·d} floats (padded to whole panels).
     */
    private static final class PackedTiles {
        float[] data = new float[0];
        private int head = -1;
        private int seqStart;
        private int lo;
        private int hi;

        void forget() {
            head = -1;
        }

        /**
         * The offset in {@link #data} of the tile at key {@code j0} of head {@code h} in the sequence at
         * {@code start}, packed by {@code packer} now unless it already is. Tiles are met in increasing order from
         * a group's first, so a new tile either extends the kept run or starts a new one. Read {@link #data}
         * after the call: it may grow.
         */
        int tile(int h, int start, int j0, int tileFloats, Packer packer) {
            int t = (j0 - start) / KB;
            if (h != head || start != seqStart || t < lo || t > hi) {
                head = h;
                seqStart = start;
                lo = t;
                hi = t;
            }
            if (t == hi) {
                int need = (hi - lo + 1) * tileFloats;
                if (data.length < need) {
                    data = java.util.Arrays.copyOf(data, Math.max(need, 2 * data.length));
                }
                packer.pack(data, (t - lo) * tileFloats);
                hi++;
            }
            return (t - lo) * tileFloats;
        }
    }

    /** Packs one tile into {@code data} at {@code off}. */
    @FunctionalInterface
    private interface Packer {
        void pack(float[] data, int off);
    }

    /**
     * Queries {@code [i0, i0 + qn)} of head {@code h} in the sequence {@code [start, end)}, key tile by key tile:
     * the scores come out key-major ({@code Sᵀ = K·Qᵀ}), so that each query's softmax runs down a column in
     * whole vectors of queries (no lane reductions, no per-row bookkeeping), and {@code out += P·V} reads that
     * tile in place as a column-major A.
     */
    private static void group(Shape s, int h, int start, int end, int i0, int qn) {
        int d = s.d();
        int od = s.heads() * d;
        float scale = AttentionMask.scale(d);
        boolean causal = (s.maskFlags() & AttentionMask.CAUSAL) != 0;
        float[] out = s.out();
        Workspace w = WORKSPACE.get();
        float[] tile = w.tile;
        int cols = (qn + SoftmaxRows.LANES - 1) / SoftmaxRows.LANES * SoftmaxRows.LANES;
        java.util.Arrays.fill(w.runMax, 0, cols, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(w.runSum, 0, cols, 0f);
        for (int i = 0; i < qn; i++) {
            java.util.Arrays.fill(out, (i0 + i) * od + h * d, (i0 + i) * od + h * d + d, 0f);
        }
        GemmDriver.Matrix queries = new GemmDriver.Matrix(s.q(), s.ld(), i0, h * d);
        boolean packed = GemmDriver.fitsDepth(d);
        if (packed) {
            GemmDriver.packPanels(queries, true, qn, d, w.packedQ, 0); // once for all key tiles
        }
        // A window as wide as the sequence is the whole sequence; clamped, no index sum below can wrap around.
        int radius = Math.min(s.radius(), end - start);
        int keyEnd = causal ? i0 + qn : end;
        int keyStart = start;
        if (radius >= 0) {
            // Key tiles stay on the grid of KB from the sequence start, whatever the group: every query sees
            // the same tiles (those outside its window fully masked), so results do not depend on the split.
            keyEnd = Math.min(keyEnd, i0 + qn + radius);
            keyStart = start + Math.max(0, i0 - radius - start) / KB * KB;
        }
        for (int j0 = keyStart; j0 < keyEnd; j0 += KB) {
            int kn = Math.min(KB, keyEnd - j0); // keys this group uses: fewer than the tile's when causal
            int tileKeys = Math.min(KB, end - j0);
            if (packed) {
                int keyOff = w.keyTile(s, h, start, j0, tileKeys); // may grow the array: read it after
                GemmDriver.productPacked(w.keys.data, keyOff, w.packedQ, tile, 0, TS, kn, qn, d);
            } else {
                GemmDriver.product(new GemmDriver.Matrix(s.k(), s.ld(), j0, s.kCol() + h * d), queries, true, tile, 0,
                        TS, kn, qn, d, false, null, 0, Activations.IDENTITY);
            }
            float tileScale = mask(s, radius, tile, start, i0, qn, j0, kn, scale);
            SoftmaxRows.softmaxColumns(tile, TS, kn, cols, tileScale, w.runMax, w.runSum, w.correction);
            for (int i = 0; i < qn; i++) {
                if (w.correction[i] != 1f) {
                    SoftmaxRows.scale(out, (i0 + i) * od + h * d, d, w.correction[i]);
                }
            }
            int valueOff = w.valueTile(s, h, start, j0, tileKeys);
            GemmDriver.productColumns(tile, 0, w.values.data, valueOff, tileKeys, out, i0 * od + h * d, od, qn, d, kn);
        }
        for (int i = 0; i < qn; i++) {
            float inv = w.runSum[i] > 0f ? 1f / w.runSum[i] : 0f;
            SoftmaxRows.scale(out, (i0 + i) * od + h * d, d, inv);
        }
    }

    /**
     * Masks the key-major score tile of keys {@code [j0, j0 + kn)} for queries {@code [i0, i0 + qn)}: −∞ where
     * the causal mask or the window ({@code radius}, clamped to the sequence) hides a key; additive and key-padding masks added to the scaled scores.
     * Returns the scale the softmax still has to apply: {@code scale}, or 1 once the tile is scaled here.
     */
    private static float mask(Shape s, int radius, float[] tile, int start, int i0, int qn, int j0, int kn,
                              float scale) {
        boolean causal = (s.maskFlags() & AttentionMask.CAUSAL) != 0;
        boolean additive = (s.maskFlags() & AttentionMask.ADDITIVE) != 0;
        boolean keyPadding = (s.maskFlags() & AttentionMask.KEY_PADDING) != 0;
        if (!causal && radius < 0 && !additive && !keyPadding) {
            return scale;
        }
        int keyMask = additive ? s.maxLen() * s.maxLen() : 0;
        for (int r = 0; r < kn; r++) {
            int j = j0 + r;
            int row = r * TS;
            // Queries [lo, hi) of the group see key j.
            int lo = causal ? j - i0 : 0;
            int hi = qn;
            if (radius >= 0) {
                lo = Math.max(lo, j - radius - i0);
                hi = Math.min(hi, j + radius + 1 - i0);
            }
            lo = Math.min(Math.max(lo, 0), qn);
            hi = Math.max(hi, lo);
            java.util.Arrays.fill(tile, row, row + lo, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(tile, row + hi, row + qn, Float.NEGATIVE_INFINITY);
            if (additive || keyPadding) {
                for (int c = lo; c < hi; c++) {
                    float x = tile[row + c] * scale;
                    if (additive) {
                        x += s.mask()[(i0 + c - start) * s.maxLen() + j - start];
                    }
                    if (keyPadding) {
                        x += s.mask()[keyMask + j];
                    }
                    tile[row + c] = x;
                }
            }
        }
        return additive || keyPadding ? 1f : scale;
    }
}
