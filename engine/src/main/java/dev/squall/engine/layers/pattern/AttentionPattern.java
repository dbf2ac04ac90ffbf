package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;

/**
 * A sparse, low-rank or linear attention pattern: which keys each query attends to (or how attention is
 * approximated), described by one text grammar used both in code ({@link #parse}) and on the command line
 * ({@code --pattern}):
 * <pre>
 *   local:W                      sliding window, |i − j| ≤ W
 *   dilated:W:D                  dilated window, (i − j) mod D = 0 and |i − j| ≤ W·D
 *   longformer:W:D[:G1,G2,..]    dilated window plus global positions (D may be D1/D2/.. one per head)
 *   block:B:LAYOUT.npy           explicit boolean layout of B×B blocks
 *   fixed:B:S                    Sparse Transformer "fixed" layout, windows of S blocks
 *   strided:B:S                  Sparse Transformer "strided" layout, stride S blocks
 *   bigbird:B:W:G:R:SEED         BigBird: window of W blocks each side, G global blocks, R random blocks
 *   topk:K                       exact top-K scores per query
 *   cluster:C:ITERS:SEED         Routing-Transformer-style clustering, C clusters, ITERS k-means steps
 *   linformer:R:SEED             Linformer with seeded random projections to R rows
 *   linformer:E.npy:F.npy        Linformer with given projections E, F ([R, N])
 *   linear                       SLAB linear attention (ReLU feature map)
 * </pre>
 * Positions {@code i} (query) and {@code j} (key) always count from the start of their own sequence, so a
 * pattern applies to each sequence of a packed variable-length batch separately and no token attends
 * across sequences. Every pattern has a causal form ({@code j ≤ i}), chosen when the op is added.
 *
 * <p>Each pattern adds a fused form to a task graph (its kernel: online softmax over exactly the
 * pattern's keys, no {@code n × n} buffer) and an unfused form: for the mask patterns the naive version a
 * framework without sparse kernels would run — dense {@code [tokens·heads, maxLen]} scores, the pattern
 * applied as a mask (−∞ where hidden), softmax, weighted sum — and for Linformer and linear attention,
 * which have no mask, the same kernels as the fused form.
 */
public sealed interface AttentionPattern permits MaskPattern, LinformerPattern, LinearPattern {

    /** Parses {@code text} in the grammar above; a bad pattern is an {@link IllegalArgumentException} naming the parameter. */
    static AttentionPattern parse(String text) {
        return PatternParser.parse(text);
    }

    /** The pattern in the grammar, e.g. {@code local:256}. */
    String spec();

    /**
     * Checks that the pattern applies to {@code seqs} with {@code heads} heads (global positions inside the
     * longest sequence, layouts covering it, one dilation or one per head, ...); throws an
     * {@link IllegalArgumentException} naming the parameter otherwise.
     */
    void check(Sequences seqs, int heads);

    /** Adds the fused form; task names start with {@code name}. Call {@link #check} first. */
    void addFused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                  boolean causal);

    /** Adds the unfused form (see the class comment); task names start with {@code name}. Call {@link #check} first. */
    void addUnfused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                    boolean causal);

    /** The attention step of {@code variant}: the fused form for {@code FUSED}, the unfused form otherwise. */
    default AttentionOp op(EncoderBlock.Variant variant) {
        return new PatternAttentionOp(this, variant == EncoderBlock.Variant.FUSED);
    }
}
