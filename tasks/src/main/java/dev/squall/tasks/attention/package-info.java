/**
 * Attention kernels.
 *
 * <h2>Sequences</h2>
 * A batch is a list of sequences packed one after another, as in FlashAttention's variable-length API:
 * {@code seqStart} ({@code batch + 1} ascending offsets, starting at 0: FlashAttention's {@code cu_seqlens},
 * the cumulative sequence lengths) says sequence {@code b} is tokens {@code [seqStart[b], seqStart[b+1])}.
 * A batch of equal lengths {@code n} is {@code {0, n, 2n, ...}}; so is a batch padded to {@code n}, whose
 * padding is then hidden with {@link dev.squall.tasks.attention.AttentionMask#KEY_PADDING}. No
 * token ever attends to a token of another sequence; positions {@code i, j} (for the causal and additive
 * masks) count from the start of their sequence. {@code maxLen} bounds every sequence's length.
 *
 * <h2>Layout</h2>
 * Queries, keys and values are token-major, as a linear layer produces them: the vector of token {@code t}
 * for head {@code h} starts at {@code t·ld + col + h·d}, where {@code ld} is the row stride and {@code col}
 * the column where the tensor starts: 0 for Q, {@code kCol} for K, {@code vCol} for V. Q, K and V may be
 * three arrays ({@code ld = heads·d}, columns 0) or one packed QKV projection ({@code ld = 3·heads·d},
 * columns 0, {@code heads·d}, {@code 2·heads·d}) passed three times. A {@code [B, H, N, D]} tensor is the
 * same layout with {@code B·H} sequences of {@code N}, one head and {@code ld = D}. Outputs are written
 * token-major with stride {@code heads·d}. Scores are scaled by {@code 1/√d}.
 *
 * <h2>Masks</h2>
 * {@code maskFlags} combines {@link dev.squall.tasks.attention.AttentionMask#CAUSAL} (key {@code j} is
 * hidden from query {@code i} when {@code j > i}), {@link dev.squall.tasks.attention.AttentionMask#ADDITIVE}
 * (a {@code [maxLen, maxLen]} float mask, shared by all sequences and heads, is added to the scaled scores,
 * −∞ hiding a key) and {@link dev.squall.tasks.attention.AttentionMask#KEY_PADDING} (a float per key token,
 * {@code [tokens]}, added to the scores of that key for every query and head: 0 for real keys, −∞ for
 * padding). The {@code mask} array holds the sections its flags enable, in that order: with both, the
 * {@code [maxLen, maxLen]} mask first and the per-key mask from offset {@code maxLen²}. A query that sees
 * no key gets a zero output.
 *
 * <h2>Padded batches</h2>
 * A key hidden by a −∞ mask adds an exact 0 to the softmax sum and to the weighted sum of values, and
 * a fully hidden key block leaves the online-softmax state of {@link dev.squall.tasks.attention.FusedAttention}
 * unchanged (its correction factor is exactly 1). So a sequence padded to {@code n} tokens with its
 * padding keys hidden by {@code KEY_PADDING} gives bit-for-bit the outputs of the same sequence packed
 * without padding, for every real query (padding queries get values of no meaning), provided the padding's
 * keys and values are finite (0 · NaN would not be 0): zero the padding rows of a padded input.
 *
 * <h2>Sparse, low-rank and linear attention</h2>
 * One class per pattern family, each fused (no {@code n × n} buffer) and never touching a key its pattern
 * hides: {@link dev.squall.tasks.attention.WindowAttention} (local, dilated, Longformer),
 * {@link dev.squall.tasks.attention.BlockSparseAttention} (explicit, fixed, strided, BigBird block layouts),
 * {@link dev.squall.tasks.attention.TopKAttention}, {@link dev.squall.tasks.attention.ClusteredAttention},
 * {@link dev.squall.tasks.attention.LinformerAttention} and {@link dev.squall.tasks.attention.LinearAttention}.
 * The softmax patterns enumerate their keys into {@link dev.squall.tasks.attention.KeyStream}, the shared online
 * softmax over tiles of keys, and number their parallel rows as {@link dev.squall.tasks.attention.QueryBlocks}.
 * Pattern parameters travel in an {@code int[] pattern} descriptor (index constants on each class), so every
 * kernel stays within 13 parameters before the row range. Patterns apply to each sequence on its own: positions
 * count from the sequence's start. {@link dev.squall.tasks.attention.ScoreMasks} is the naive alternative: a
 * boolean mask applied to a materialised score matrix.
 *
 * <h2>Training</h2>
 * Backward kernels sit next to their forward ones: {@link dev.squall.tasks.attention.DenseAttentionBackward}
 * (unfused), {@link dev.squall.tasks.attention.FusedAttentionBackward} (FlashAttention-2),
 * {@link dev.squall.tasks.attention.WindowAttentionBackward} (the same with a window radius, after
 * {@link dev.squall.tasks.attention.WindowAttention#attentionWithLse}; {@link dev.squall.tasks.attention.KeyRange}
 * is the window both share) and {@link dev.squall.tasks.attention.LinearAttentionBackward} (the causal scan's).
 */
package dev.squall.tasks.attention;
