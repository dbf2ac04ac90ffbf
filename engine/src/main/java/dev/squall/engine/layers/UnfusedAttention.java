package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.softmax.Softmax;

/**
 * Textbook attention in three tasks with the {@code [tokens, heads, maxLen]} score matrix materialised
 * twice (scores, then probabilities), as an unfused framework runs it.
 */
public final class UnfusedAttention implements AttentionOp {
    /** The most elements the JVM allocates in one array (a few below {@link Integer#MAX_VALUE}). */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final float[] keyPadding;

    /** Attention over packed sequences (no padding). */
    public UnfusedAttention() {
        this(null);
    }

    /**
     * Attention over padded sequences whose padding keys are hidden by {@code keyPadding}, the
     * {@code KEY_PADDING} mask with one value per token (see {@link PaddedBatch#keyPaddingMask()}), or
     * over packed sequences when it is null.
     */
    public UnfusedAttention(float[] keyPadding) {
        this.keyPadding = keyPadding;
    }

    @Override
    public String name() {
        return "unfused";
    }

    /**
     * Bytes of the two {@code [tokens·heads, maxLen]} float matrices (scores, then probabilities) this form
     * materialises for {@code seqs} and {@code heads}; {@link Long#MAX_VALUE} if that overflows a long.
     */
    public static long scoreBytes(Sequences seqs, int heads) {
        long elements = (long) seqs.tokens() * heads; // < 2^62
        return elements > Long.MAX_VALUE / (2L * Float.BYTES * seqs.maxLen()) ? Long.MAX_VALUE
                : elements * seqs.maxLen() * 2L * Float.BYTES;
    }

    /**
     * What {@link #scoreBytes} come to, e.g. "2 score matrices of 65536·1·65536 floats (32.0 GiB)", for
     * messages that refuse or explain the unfused form.
     */
    public static String describeScores(Sequences seqs, int heads) {
        long bytes = scoreBytes(seqs, heads);
        return "2 score matrices of tokens·heads·maxLen = " + seqs.tokens() + "·" + heads + "·" + seqs.maxLen()
                + " floats (" + (bytes == Long.MAX_VALUE ? "more than 2^63 bytes" : gib(bytes)) + ")";
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /**
     * Adds the three tasks.
     *
     * @throws IllegalArgumentException if a score matrix would have more elements than a Java array can hold:
     *                                  the message says how much memory the unfused form needs
     */
    @Override
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                      boolean causal) {
        if (scoreBytes(seqs, heads) / (2L * Float.BYTES) > MAX_ARRAY) {
            throw new IllegalArgumentException("unfused attention materialises " + describeScores(seqs, heads)
                    + "; one matrix is more than a Java array can hold (" + MAX_ARRAY + " elements): use fused"
                    + " attention (no N×N matrix) or a sparse pattern");
        }
        int rows = seqs.tokens() * heads;
        int width = seqs.maxLen();
        float[] scores = new float[rows * width];
        float[] probs = new float[scores.length];
        MaskArgs mask = MaskArgs.of(causal, keyPadding, seqs);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, mask.array(), seqs.starts());
        g.task(name + ".scores", rows, DenseAttention::scores, qkv.q(), qkv.k(), mask.array(), scores, seqs.starts(),
                heads, headDim, qkv.ld(), qkv.kCol(), mask.flags(), width);
        g.task(name + ".softmax", rows, Softmax::softmax, scores, probs, width);
        g.task(name + ".weightedSum", rows, DenseAttention::weightedSum, probs, qkv.v(), out, seqs.starts(), heads,
                headDim, qkv.ld(), qkv.vCol(), width);
    }
}
