package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.driver.GemmDriver.Matrix;
import dev.squall.engine.jvm.fast.math.SoftmaxRows;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

import java.util.Arrays;

/**
 * The fused forward that training runs ({@link FusedAttention#attentionWithLse}: causal or no mask, and each query's
 * log-sum-exp {@code L = max + log Σ e^{s − max}} for the backward), on the tiles and runs of the fast backward
 * ({@link FusedAttentionBackwardVector#queryGradient}): per group of queries of a run Qᵀ packed once; per key tile
 * (packed once per run) the key-major {@code Sᵀ = K·Qᵀ}, the online softmax down each query's column
 * ({@link SoftmaxRows#softmaxColumns}), and {@code out += P·V} reading the tile in place. Key tiles lie on a grid from the sequence start and a causally
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
        int od = heads * d;
        float scale = AttentionMask.scale(d);
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, r0, r1) -> {
            int rn = r1 - r0;
            int groups = (rn + GROUP - 1) / GROUP;
            w.size(d, groups);
            for (int g = 0; g < groups; g++) {
                int i0 = r0 + g * GROUP;
                int qn = Math.min(GROUP, r0 + rn - i0);
                Arrays.fill(w.runMax[g], Float.NEGATIVE_INFINITY);
                Arrays.fill(w.runSum[g], 0f);
                GemmDriver.packPanels(new Matrix(q, ld, i0, h * d), true, qn, d, w.queries[g], 0);
            }
            FusedAttentionBackwardVector.zeroRows(out, r0 * od + h * d, od, rn, d);
            int keyEnd = causal != 0 ? r0 + rn : end;
            for (int j0 = start; j0 < keyEnd; j0 += TILE) {
                int kn = Math.min(TILE, keyEnd - j0);
                GemmDriver.packRows(new Matrix(k, ld, j0, kCol + h * d), kn, d, w.keys, 0);
                GemmDriver.packPanels(new Matrix(v, ld, j0, vCol + h * d), false, d, kn, w.values, 0);
                for (int g = 0; g < groups; g++) {
                    int i0 = r0 + g * GROUP;
                    int qn = Math.min(GROUP, r0 + rn - i0);
                    // Causal: keys after the group's last query are hidden from all of it.
                    int visible = causal != 0 ? Math.min(kn, i0 + qn - j0) : kn;
                    if (visible <= 0) {
                        continue;
                    }
                    GemmDriver.productPacked(w.keys, 0, w.queries[g], w.tile, 0, TS, visible, qn, d);
                    if (causal != 0) {
                        hideLaterKeys(w.tile, visible, qn, j0 - i0);
                    }
                    SoftmaxRows.softmaxColumns(w.tile, TS, visible, GradientTiles.vectorCeil(qn), scale, w.runMax[g],
                            w.runSum[g], w.correction);
                    int outOff = i0 * od + h * d;
                    for (int i = 0; i < qn; i++) {
                        if (w.correction[i] != 1f) {
                            SoftmaxRows.scale(out, outOff + i * od, d, w.correction[i]);
                        }
                    }
                    GemmDriver.productColumns(w.tile, 0, w.values, 0, kn, out, outOff, od, qn, d, visible);
                }
            }
            for (int g = 0; g < groups; g++) {
                int i0 = r0 + g * GROUP;
                int qn = Math.min(GROUP, r0 + rn - i0);
                for (int i = 0; i < qn; i++) {
                    float sum = w.runSum[g][i];
                    lse[(i0 + i) * heads + h] = sum > 0f ? w.runMax[g][i] + (float) Math.log(sum)
                            : Float.NEGATIVE_INFINITY;
                    SoftmaxRows.scale(out, (i0 + i) * od + h * d, d, sum > 0f ? 1f / sum : 0f);
                }
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

    /**
     * Per-thread buffers: the score tile; a key tile packed as A rows and its value tile as B panels; per group of
     * the run its packed Qᵀ and online-softmax state. The group buffers grow with the longest run: O(N·d).
     */
    private static final class Workspace {
        final float[] tile = new float[TILE * TS];
        final float[] correction = new float[GROUP];
        float[] keys = new float[0];
        float[] values = new float[0];
        float[][] queries = new float[0][];
        float[][] runMax = new float[0][];
        float[][] runSum = new float[0][];
        private int d = -1;

        void size(int d, int groups) {
            if (d != this.d) {
                this.d = d;
                keys = new float[(TILE + GemmDriver.MR) * d];
                values = new float[GemmDriver.panelFloats(d, TILE)];
                queries = new float[0][];
            }
            if (queries.length < groups) {
                int have = queries.length;
                queries = Arrays.copyOf(queries, groups);
                for (int g = have; g < groups; g++) {
                    queries[g] = new float[GemmDriver.panelFloats(GROUP, d)];
                }
            }
            if (runMax.length < groups) {
                int have = runMax.length;
                runMax = Arrays.copyOf(runMax, groups);
                runSum = Arrays.copyOf(runSum, groups);
                for (int g = have; g < groups; g++) {
                    runMax[g] = new float[GROUP];
                    runSum[g] = new float[GROUP];
                }
            }
        }
    }
}
