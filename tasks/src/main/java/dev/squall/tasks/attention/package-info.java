/**
 * Attention kernels.
 *
 * <h2>Layout</h2>
 * Queries, keys and values are token-major, as a linear layer produces them: the vector of token
 * {@code i} of sequence {@code b} for head {@code h} starts at {@code (b·n + i)·ld + col + h·d}, where
 * {@code ld} is the row stride and {@code col} the column where that tensor starts. Q, K and V may be
 * three arrays ({@code ld = heads·d}, columns 0) or one packed QKV projection
 * ({@code ld = 3·heads·d}, columns 0, {@code heads·d}, {@code 2·heads·d}) passed three times. A
 * {@code [B, H, N, D]} tensor is the same layout with batch {@code B·H}, one head and {@code ld = D}.
 * Outputs are written token-major with stride {@code heads·d}. Scores are scaled by {@code 1/√d}.
 *
 * <h2>Masks</h2>
 * {@code maskFlags} combines {@link dev.squall.tasks.attention.AttentionMask#CAUSAL} (key {@code j} is
 * hidden from query {@code i} when {@code j > i}) and {@link dev.squall.tasks.attention.AttentionMask#ADDITIVE}
 * (an {@code [n, n]} float mask, shared by all sequences and heads, is added to the scaled scores, −∞
 * hiding a key). A query that sees no key gets a zero output.
 */
package dev.squall.tasks.attention;
