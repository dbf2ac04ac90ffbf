package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.driver.GemmDriver.Matrix;
import dev.squall.engine.jvm.fast.math.SoftmaxRows;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

import java.util.Arrays;

/**
 * The fused forward that training runs ({@link FusedAttention#attentionWithLse}: causal or no mask, and each query's
 * log-sum-exp {@code L = max + log Σ e^{s − max}} for the backward), on the tiles of the fast backward
 * ({@link FusedAttentionBackwardVector#queryGradient}): per group of queries Qᵀ packed once; per key tile the
 * key-major {@code Sᵀ = K·Qᵀ}, the online softmax down each query's column ({@link SoftmaxRows#softmaxColumns}),
 * and {@code out += P·V} reading the tile in place. Key tiles lie on a grid from the sequence start and a causally
 * hidden key adds an exact zero to a query's sum and output, so results do not depend on the split of rows.
 */
final class ForwardWithLse {
    private static final int GROUP = FusedAttentionBackwardVector.GROUP;
    private static final int TILE = FusedAttentionBackwardVector.TILE;
    private static final int TS = GemmDriver.COLUMN_STRIDE;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private ForwardWithLse() {
    }

    /** {@link FusedAttention#attentionWithLse} on rows {@code [rowOffset, rowOffset + rowCount)}. */
    static void run(float[] q, float[] k, float[] v, float[] out, float[] lse, int[] seqStart, int heads, int d, int ld,
                    int kCol, int vCol, int causal, int rowOffset, int rowCount) {
        if (!GemmDriver.fitsDepth(d)) {
            FusedAttention.attentionWithLse(q, k, v, out, lse, seqStart, heads, d, ld, kCol, vCol, causal, rowOffset,
                    rowCount);
            return;
        }
        Workspace w = WORKSPACE.get();
        w.forDepth(d);
        int od = heads * d;
        float scale = AttentionMask.scale(d);
        BlockGroups.forEach(seqStart, heads, rowOffset, rowCount, GROUP, (h, start, end, i0, qn) -> {
            int outOff = i0 * od + h * d;
            int cols = GradientTiles.vectorCeil(qn);
            Arrays.fill(w.runMax, 0, cols, Float.NEGATIVE_INFINITY);
            Arrays.fill(w.runSum, 0, cols, 0f);
            for (int i = 0; i < qn; i++) {
                Arrays.fill(out, outOff + i * od, outOff + i * od + d, 0f);
            }
            GemmDriver.packPanels(new Matrix(q, ld, i0, h * d), true, qn, d, w.queries, 0);
            int keyEnd = causal != 0 ? i0 + qn : end;
            for (int j0 = start; j0 < keyEnd; j0 += TILE) {
                int kn = Math.min(TILE, keyEnd - j0);
                GemmDriver.packRows(new Matrix(k, ld, j0, kCol + h * d), kn, d, w.keys, 0);
                GemmDriver.productPacked(w.keys, 0, w.queries, w.tile, 0, TS, kn, qn, d);
                if (causal != 0) {
                    hideLaterKeys(w.tile, kn, qn, j0 - i0);
                }
                SoftmaxRows.softmaxColumns(w.tile, TS, kn, cols, scale, w.runMax, w.runSum, w.correction);
                for (int i = 0; i < qn; i++) {
                    if (w.correction[i] != 1f) {
                        SoftmaxRows.scale(out, outOff + i * od, d, w.correction[i]);
                    }
                }
                GemmDriver.packPanels(new Matrix(v, ld, j0, vCol + h * d), false, d, kn, w.values, 0);
                GemmDriver.productColumns(w.tile, 0, w.values, 0, kn, out, outOff, od, qn, d, kn);
            }
            for (int i = 0; i < qn; i++) {
                float sum = w.runSum[i];
                lse[(i0 + i) * heads + h] = sum > 0f ? w.runMax[i] + (float) Math.log(sum) : Float.NEGATIVE_INFINITY;
                SoftmaxRows.scale(out, outOff + i * od, d, sum > 0f ? 1f / sum : 0f);
            }
        });
    }

    /**
     * −∞ into the key-major tile where key row {@code r} comes after query column {@code c}, that is where
     * {@code c < r + keyMinusQuery} ({@code keyMinusQuery}: the first key less the first query).
     */
    private static void hideLaterKeys(float[] tile, int rows, int cols, int keyMinusQuery) {
        for (int r = 0; r < rows; r++) {
            int hidden = Math.min(cols, r + keyMinusQuery);
            if (hidden > 0) {
                Arrays.fill(tile, r * TS, r * TS + hidden, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /** Per-thread buffers. */
    private static final class Workspace {
        final float[] tile = new float[TILE * TS];
        final float[] runMax = new float[GROUP];
        final float[] runSum = new float[GROUP];
        final float[] correction = new float[GROUP];
        float[] queries = new float[0];
        float[] keys = new float[0];
        float[] values = new float[0];
        private int d = -1;

        void forDepth(int d) {
            if (d != this.d) {
                this.d = d;
                queries = new float[GemmDriver.panelFloats(GROUP, d)];
                keys = new float[(TILE + GemmDriver.MR) * d];
                values = new float[GemmDriver.panelFloats(d, TILE)];
            }
        }
    }
}
