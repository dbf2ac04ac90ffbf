package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Backward of fused attention in the FlashAttention-2 manner (Dao, 2023, Algorithm 2): no {@code n × n} buffer,
 * O(n·d) memory. The forward ({@link FusedAttention#attentionWithLse}) saves its output {@code O} and each query's
 * log-sum-exp {@code L}; the backward recomputes each probability tile {@code P = exp(Q·Kᵀ/√d − L)} from Q, K and L.
 * Three kernels, in order:
 * <ol>
 *   <li>{@link #outputDots}: {@code D_i = rowsum(dO_i ∘ O_i)} per (query, head), which stands for
 *       {@code rowsum(P_i ∘ dP_i)} in the softmax backward;</li>
 *   <li>{@link #queryGradient}: {@code dQ = dS·K/√d}, one parallel row per query block (as the forward);</li>
 *   <li>{@link #keyValueGradient}: {@code dV = Pᵀ·dO} and {@code dK = dSᵀ·Q/√d}, one parallel row per key block,</li>
 * </ol>
 * with {@code dP = dO·Vᵀ} and {@code dS = P ∘ (dP − D)} recomputed tile by tile in both. Splitting dQ from dK/dV
 * is what keeps them free of atomics: each output element has one owner, which sums in ascending key (dQ) or
 * query (dK, dV) order, whatever the split of rows.
 *
 * <p>Layout: Q, K and V in one packed array {@code qkv} (row stride {@code ld}, Q at column 0, K at {@code kCol},
 * V at {@code vCol}, as a QKV projection writes them; the package documentation describes the layout);
 * {@code out}, {@code dOut} as the forward's output ({@code [tokens, heads·d]}); {@code lse} and {@code delta}
 * {@code [tokens, heads]}. The gradients go to {@code dqkv}, laid out as {@code qkv} (the Q columns from
 * {@link #queryGradient}, the K and V columns from {@link #keyValueGradient}), ready for the QKV projection's
 * backward. Parallel rows of both gradient kernels: {@link FusedAttention#rows}. Masks: causal
 * ({@code causal != 0}) or none; sequences are packed as in the forward ({@code seqStart}).
 */
public final class FusedAttentionBackward {
    /** Floats of each probability and score-gradient tile: {@code QUERY_BLOCK × KEY_BLOCK}, either way round. */
    public static final int TILE = FusedAttention.QUERY_BLOCK * FusedAttention.KEY_BLOCK;

    private FusedAttentionBackward() {
    }

    /**
     * {@code delta[row] = Σ_c out[row, c]·dOut[row, c]} for each (token, head) row of {@code d} values
     * ({@code tokens·heads} parallel rows).
     */
    public static void outputDots(float[] out, float[] dOut, @Out float[] delta, int d, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            delta[row] = KeyStream.score(out, row * d, dOut, row * d, d, 1f);
        }
    }

    /**
     * {@code dQ[i, h, :] = Σ_j dS_ij·K[j, h, :] / √d} for the queries of each parallel row's query block, over key
     * blocks of {@link FusedAttention#KEY_BLOCK} (causal: those up to the block's last query).
     */
    public static void queryGradient(float[] qkv, float[] dOut, float[] lse, float[] delta, @Out float[] dqkv,
                                     int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                     int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] p = new float[TILE];
            float[] ds = new float[TILE];
            queryBlock(qkv, dOut, lse, delta, dqkv, p, ds, seqStart, rowOffset + r, heads, d, ld, kCol, vCol, causal,
                    Integer.MAX_VALUE);
        }
    }

    /**
     * {@code dV[j, h, :] = Σ_i P_ij·dO[i, h, :]} and {@code dK[j, h, :] = Σ_i dS_ij·Q[i, h, :] / √d} for the keys of
     * each parallel row's key block (blocks of {@link FusedAttention#QUERY_BLOCK} keys, numbered as the forward's
     * query blocks), over tiles of {@link FusedAttention#KEY_BLOCK} queries (causal: from the block's first key on).
     */
    public static void keyValueGradient(float[] qkv, float[] dOut, float[] lse, float[] delta, @Out float[] dqkv,
                                        int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int causal,
                                        int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] p = new float[TILE];
            float[] ds = new float[TILE];
            keyBlock(qkv, dOut, lse, delta, dqkv, p, ds, seqStart, rowOffset + r, heads, d, ld, kCol, vCol, causal,
                    Integer.MAX_VALUE);
        }
    }

    /**
     * {@link #queryGradient} of parallel row {@code row} over the keys within {@code radius} of each query
     * ({@link KeyRange}), with tiles {@code p} and {@code ds} of {@link #TILE}.
     */
    static void queryBlock(float[] qkv, float[] dOut, float[] lse, float[] delta, float[] dqkv, float[] p, float[] ds,
                           int[] seqStart, int row, int heads, int d, int ld, int kCol, int vCol, int causal,
                           int radius) {
        int h = row % heads;
        int b = QueryBlocks.sequence(seqStart, row / heads);
        int i0 = QueryBlocks.firstQuery(seqStart, b, row / heads);
        int i1 = QueryBlocks.endQuery(seqStart, b, i0);
        for (int i = i0; i < i1; i++) {
            for (int c = 0; c < d; c++) {
                dqkv[i * ld + h * d + c] = 0f;
            }
        }
        int keyEnd = KeyRange.end(causal, radius, seqStart[b + 1], i1);
        for (int j0 = KeyRange.first(radius, seqStart[b], i0); j0 < keyEnd; j0 += FusedAttention.KEY_BLOCK) {
            int j1 = Math.min(j0 + FusedAttention.KEY_BLOCK, keyEnd);
            gradientTile(qkv, dOut, lse, delta, p, ds, FusedAttention.KEY_BLOCK, h, heads, d, ld, kCol, vCol, causal,
                    radius, i0, i1, j0, j1);
            for (int i = i0; i < i1; i++) {
                int qBase = i * ld + h * d;
                for (int j = j0; j < j1; j++) {
                    float dsij = ds[(i - i0) * FusedAttention.KEY_BLOCK + j - j0];
                    int kBase = j * ld + kCol + h * d;
                    for (int c = 0; c < d; c++) {
                        dqkv[qBase + c] += dsij * qkv[kBase + c];
                    }
                }
            }
        }
        float scale = AttentionMask.scale(d);
        for (int i = i0; i < i1; i++) {
            for (int c = 0; c < d; c++) {
                dqkv[i * ld + h * d + c] *= scale;
            }
        }
    }

    /**
     * {@link #keyValueGradient} of parallel row {@code row} over the queries within {@code radius} of each key
     * ({@link KeyRange}), with tiles {@code p} and {@code ds} of {@link #TILE}.
     */
    static void keyBlock(float[] qkv, float[] dOut, float[] lse, float[] delta, float[] dqkv, float[] p, float[] ds,
                         int[] seqStart, int row, int heads, int d, int ld, int kCol, int vCol, int causal, int radius) {
        int h = row % heads;
        int b = QueryBlocks.sequence(seqStart, row / heads);
        int j0 = QueryBlocks.firstQuery(seqStart, b, row / heads);
        int j1 = QueryBlocks.endQuery(seqStart, b, j0);
        int end = KeyRange.end(0, radius, seqStart[b + 1], j1); // one past the last query that sees a key of the block
        for (int j = j0; j < j1; j++) {
            for (int c = 0; c < d; c++) {
                dqkv[j * ld + kCol + h * d + c] = 0f;
                dqkv[j * ld + vCol + h * d + c] = 0f;
            }
        }
        int queryStart = causal != 0 ? j0 : KeyRange.first(radius, seqStart[b], j0);
        for (int ia = queryStart; ia < end; ia += FusedAttention.KEY_BLOCK) {
            int ib = Math.min(ia + FusedAttention.KEY_BLOCK, end);
            gradientTile(qkv, dOut, lse, delta, p, ds, FusedAttention.QUERY_BLOCK, h, heads, d, ld, kCol, vCol, causal,
                    radius, ia, ib, j0, j1);
            for (int i = ia; i < ib; i++) {
                int qBase = i * ld + h * d;
                int oBase = (i * heads + h) * d;
                for (int j = j0; j < j1; j++) {
                    int at = (i - ia) * FusedAttention.QUERY_BLOCK + j - j0;
                    float pij = p[at];
                    float dsij = ds[at];
                    int kBase = j * ld + kCol + h * d;
                    int vBase = j * ld + vCol + h * d;
                    for (int c = 0; c < d; c++) {
                        dqkv[vBase + c] += pij * dOut[oBase + c];
                        dqkv[kBase + c] += dsij * qkv[qBase + c];
                    }
                }
            }
        }
        float scale = AttentionMask.scale(d);
        for (int j = j0; j < j1; j++) {
            for (int c = 0; c < d; c++) {
                dqkv[j * ld + kCol + h * d + c] *= scale;
            }
        }
    }

    /**
     * The tile of queries {@code [i0, i1)} × keys {@code [j0, j1)} of head {@code h}: {@code p[(i−i0)·stride + j−j0]
     * = exp(q_i·k_j/√d − L_i)} and {@code ds[..] = p·(dO_i·v_j − D_i)}; both 0 where the causal mask or the window
     * of {@code radius} hides the key. The score is computed as the forward computes it.
     */
    static void gradientTile(float[] qkv, float[] dOut, float[] lse, float[] delta, float[] p, float[] ds, int stride,
                             int h, int heads, int d, int ld, int kCol, int vCol, int causal, int radius, int i0, int i1,
                             int j0, int j1) {
        float scale = AttentionMask.scale(d);
        for (int i = i0; i < i1; i++) {
            float lseI = lse[i * heads + h];
            float deltaI = delta[i * heads + h];
            int qBase = i * ld + h * d;
            int oBase = (i * heads + h) * d;
            for (int j = j0; j < j1; j++) {
                int at = (i - i0) * stride + j - j0;
                boolean hidden = ((causal != 0) & (j > i)) | KeyRange.outside(radius, i, j);
                if (hidden) {
                    p[at] = 0f;
                    ds[at] = 0f;
                } else {
                    float pij = (float) Math.exp(KeyStream.score(qkv, qBase, qkv, j * ld + kCol + h * d, d, scale) - lseI);
                    float dp = KeyStream.score(dOut, oBase, qkv, j * ld + vCol + h * d, d, 1f);
                    p[at] = pij;
                    ds[at] = pij * (dp - deltaI);
                }
            }
        }
    }
}
