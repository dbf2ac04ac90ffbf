package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Linformer low-rank attention: the keys and values of each (sequence, head) are projected along the
 * sequence to {@code r} rows, {@code K' = E·K} and {@code V' = F·V} with {@code E, F ∈ R^{r×n}}, and every
 * query attends to the {@code r} projected keys: {@code out_i = softmax(q_i·K'ᵀ/√d)·V'}. Cost
 * {@code O(n·r·d)} per (sequence, head), memory {@code O(r·d)}; no {@code n × n} or {@code n × r} buffer.
 *
 * <h2>Projections</h2>
 * {@code proj} holds the columns of {@code E} and {@code F} position by position, {@code 2r} values per
 * position: {@code E[ρ, j]} at {@code proj[j·2r + ρ]} and {@code F[ρ, j]} at {@code proj[j·2r + r + ρ]}, so
 * that the coefficients of one token are contiguous (each key is read once per chunk of projected rows,
 * and the causal scan reads one short run per token). A sequence of {@code n} tokens uses the first {@code n}
 * positions (what padding it with zeros would do); {@code proj} must have at least as many positions as the
 * longest sequence. With {@code SCALED = 1} the entries are multiplied by {@code 1/√n} for a sequence of
 * {@code n} tokens (seeded random projections: unit-variance draws, scaled so that a projected key has the
 * size of one key).
 *
 * <h2>Which projected keys a query sees</h2>
 * Projected key {@code ρ} exists from the first position its row of {@code E} reads, {@code first_ρ} (the
 * first non-zero column, given in the descriptor). Without the causal mask query {@code i} sees every
 * {@code ρ} with {@code first_ρ < n}; with {@link AttentionMask#CAUSAL} it sees every {@code ρ} with
 * {@code first_ρ ≤ i}, projected from the prefix only: {@code K'(i) = E[:, ≤i]·K[≤i]},
 * {@code V'(i) = F[:, ≤i]·V[≤i]}. With {@code E = F = I} ({@code r = n}) both forms are exactly dense
 * attention (causal or not); with dense random projections every projected key is seen from position 0.
 *
 * <p>Kernels: non-causal, {@link #project} (one parallel row per (sequence, head, chunk of
 * {@link #RHO_BLOCK} projected rows), whose {@code K', V'} stay in cache while the keys stream by once) then
 * {@link #attention} ({@link QueryBlocks} rows); causal, {@link #causalScan}, the prefix-sum form: one
 * parallel row per (sequence, head) walks the sequence once, adding token {@code i}'s rank-one term to the
 * running {@code K', V'} and then answering query {@code i}. {@code kv} ({@code [batch, heads, r, 2d]}: for
 * each ρ, {@code K'_ρ} then {@code V'_ρ}) holds the projections or the running state.
 *
 * <p>The pattern descriptor is {@code [FLAGS, RANK, SCALED, first_0 .. first_{r−1}]}.
 */
public final class LinformerAttention {
    /** Descriptor index: {@link AttentionMask} flags ({@code CAUSAL} only). */
    public static final int FLAGS = 0;
    /** Descriptor index: projected length {@code r >= 1}. */
    public static final int RANK = 1;
    /** Descriptor index: 1 to scale the projections by {@code 1/√n}, 0 to use them as given. */
    public static final int SCALED = 2;
    /** Descriptor index of {@code first_0}. */
    public static final int FIRST = 3;
    /** Projected rows per parallel row of {@link #project}. */
    public static final int RHO_BLOCK = 32;

    private LinformerAttention() {
    }

    /** Parallel rows of {@link #project} for {@code batch} sequences, {@code heads} heads and rank {@code rank}. */
    public static int projectRows(int batch, int heads, int rank) {
        return batch * heads * ((rank + RHO_BLOCK - 1) / RHO_BLOCK);
    }

    /**
     * {@code K'_ρ} and {@code V'_ρ} for the projected rows {@code ρ} of chunk {@code c} of (sequence {@code b},
     * head {@code h}): parallel row {@code (b·heads + h)·chunks + c}, see {@link #projectRows}.
     */
    public static void project(float[] k, float[] v, float[] proj, @Out float[] kv, int[] seqStart, int[] pattern,
                               int heads, int d, int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        int rank = pattern[RANK];
        int chunks = (rank + RHO_BLOCK - 1) / RHO_BLOCK;
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int rho0 = (row % chunks) * RHO_BLOCK;
            int rho1 = Math.min(rho0 + RHO_BLOCK, rank);
            int bh = row / chunks;
            int h = bh % heads;
            int b = bh / heads;
            int start = seqStart[b];
            int n = seqStart[b + 1] - start;
            float scale = coefficientScale(pattern, n);
            int base = bh * rank * 2 * d;
            for (int e = rho0 * 2 * d; e < rho1 * 2 * d; e++) {
                kv[base + e] = 0f;
            }
            for (int j = 0; j < n; j++) {
                addToken(k, v, proj, kv, base, start + j, j, rank, rho0, rho1, scale, d, ld, kCol + h * d, vCol + h * d);
            }
        }
    }
    /** Non-causal attention of the queries of the parallel rows ({@link QueryBlocks}) to the projections of {@link #project}. */
    public static void attention(float[] q, float[] kv, @Out float[] out, int[] seqStart, int[] pattern, int heads,
                                 int d, int ld, int rowOffset, int rowCount) {
        int rank = pattern[RANK];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int[] at = new int[QueryBlocks.SIZE];
            QueryBlocks.locate(seqStart, heads, rowOffset + r, at);
            int h = at[QueryBlocks.HEAD];
            int b = at[QueryBlocks.SEQUENCE];
            int[] ctx = new int[KeyStream.CTX];
            int[] keys = new int[KeyStream.TILE];
            float[] scores = new float[KeyStream.TILE];
            float[] st = new float[KeyStream.STATE];
            for (int t = at[QueryBlocks.FIRST]; t < at[QueryBlocks.END]; t++) {
                attendProjected(q, t * ld + h * d, kv, (b * heads + h) * rank * 2 * d, out, (t * heads + h) * d,
                        pattern, at[QueryBlocks.LENGTH] - 1, d, ctx, keys, scores, st);
            }
        }
    }

    /** Causal Linformer, prefix-sum form: parallel row {@code b·heads + h} walks sequence {@code b} for head {@code h}. */
    public static void causalScan(float[] q, float[] k, float[] v, float[] proj, @Out float[] kv, @Out float[] out,
                                  int[] seqStart, int[] pattern, int heads, int d, int ld, int kCol, int vCol,
                                  int rowOffset, int rowCount) {
        int rank = pattern[RANK];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / heads;
            int h = row % heads;
            int start = seqStart[b];
            int n = seqStart[b + 1] - start;
            float scale = coefficientScale(pattern, n);
            int base = row * rank * 2 * d;
            for (int e = 0; e < rank * 2 * d; e++) {
                kv[base + e] = 0f;
            }
            int[] ctx = new int[KeyStream.CTX];
            int[] keys = new int[KeyStream.TILE];
            float[] scores = new float[KeyStream.TILE];
            float[] st = new float[KeyStream.STATE];
            for (int i = 0; i < n; i++) {
                int t = start + i;
                addToken(k, v, proj, kv, base, t, i, rank, 0, rank, scale, d, ld, kCol + h * d, vCol + h * d);
                attendProjected(q, t * ld + h * d, kv, base, out, (t * heads + h) * d, pattern, i, d, ctx, keys,
                        scores, st);
            }
        }
    }

    /**
     * Online softmax of the query at {@code q[qBase ..]} over the projected keys {@code ρ} with
     * {@code first_ρ ≤ limit}, whose {@code K'_ρ, V'_ρ} start at {@code kv[kvBase + ρ·2d]}.
     */
    private static void attendProjected(float[] q, int qBase, float[] kv, int kvBase, float[] out, int outBase,
                                        int[] pattern, int limit, int d, int[] ctx, int[] keys, float[] scores,
                                        float[] st) {
        KeyStream.begin(ctx, st, out, qBase, outBase, 2 * d, kvBase, kvBase + d, d, AttentionMask.scale(d));
        for (int rho = 0; rho < pattern[RANK]; rho++) {
            if (pattern[FIRST + rho] <= limit) {
                KeyStream.add(rho, ctx, keys, scores, st, q, kv, kv, out);
            }
        }
        KeyStream.end(ctx, keys, scores, st, q, kv, kv, out);
    }

    /**
     * Adds token {@code t} (position {@code j}) to the projections {@code ρ0 ≤ ρ < ρ1} at {@code kv[base ..]}:
     * {@code K'_ρ += E[ρ, j]·k_t}, {@code V'_ρ += F[ρ, j]·v_t}, the coefficients times {@code scale}.
     */
    private static void addToken(float[] k, float[] v, float[] proj, float[] kv, int base, int t, int j, int rank,
                                 int rho0, int rho1, float scale, int d, int ld, int kOff, int vOff) {
        int column = j * 2 * rank;
        for (int rho = rho0; rho < rho1; rho++) {
            axpy(proj[column + rho] * scale, k, t * ld + kOff, kv, base + rho * 2 * d, d);
            axpy(proj[column + rank + rho] * scale, v, t * ld + vOff, kv, base + rho * 2 * d + d, d);
        }
    }

    /** {@code 1/√n} for scaled projections, else 1. */
    private static float coefficientScale(int[] pattern, int n) {
        return pattern[SCALED] != 0 && n > 0 ? (float) (1.0 / Math.sqrt(n)) : 1f;
    }

    /** {@code acc[accBase ..+d) += a · x[xBase ..+d)}; nothing when {@code a} is zero (sparse projections). */
    private static void axpy(float a, float[] x, int xBase, float[] acc, int accBase, int d) {
        if (a != 0f) {
            for (int e = 0; e < d; e++) {
                acc[accBase + e] += a * x[xBase + e];
            }
        }
    }
}
