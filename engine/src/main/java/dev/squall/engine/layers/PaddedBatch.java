package dev.squall.engine.layers;

import java.util.Arrays;

/**
 * A padded batch {@code [batch, maxLen, d]}: sequence {@code b}'s {@code length(b)} tokens are its first
 * rows, {@code [b·maxLen, b·maxLen + length(b))}, and the rest of its {@code maxLen} rows are padding.
 * The real tokens, packed, are {@link #seqs()}; the kernels of {@code dev.squall.tasks.padding.Padding}
 * convert between the two layouts. Only right padding is described: a mask must be a prefix of ones.
 *
 * @param seqs   the real tokens as packed sequences ({@code cu_seqlens} of the lengths)
 * @param maxLen padded length of every sequence, at least the longest one and at least 1
 */
public record PaddedBatch(Sequences seqs, int maxLen) {

    /** Checks that every sequence fits in {@code maxLen} rows and that there is at least one token. */
    public PaddedBatch {
        if (maxLen < 1) {
            throw new IllegalArgumentException("padded length must be >= 1, got " + maxLen);
        }
        for (int b = 0; b < seqs.batch(); b++) {
            if (seqs.length(b) > maxLen) {
                throw new IllegalArgumentException("sequence " + b + " has " + seqs.length(b)
                        + " tokens, more than the padded length " + maxLen);
            }
        }
        if (seqs.tokens() < 1) {
            throw new IllegalArgumentException("the batch has no tokens: every length is 0");
        }
    }

    /** A batch padded to {@code maxLen} holding sequences of the given lengths, each in {@code [0, maxLen]}. */
    public static PaddedBatch ofLengths(int maxLen, int... lengths) {
        return new PaddedBatch(Sequences.ofLengths(lengths), maxLen);
    }

    /**
     * The batch an attention mask describes: {@code mask} is {@code [batch, maxLen]} row-major, 1 for a
     * real token and 0 for padding, and each row must be ones followed by zeros (right padding).
     */
    public static PaddedBatch fromMask(float[] mask, int batch, int maxLen) {
        if (batch < 1 || maxLen < 1 || mask.length != (long) batch * maxLen) {
            throw new IllegalArgumentException("mask must be [batch, maxLen] = [" + batch + ", " + maxLen + "], got "
                    + mask.length + " values");
        }
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < maxLen; i++) {
                float m = mask[b * maxLen + i];
                if (m != 0f && m != 1f) {
                    throw new IllegalArgumentException("mask values must be 0 or 1, got " + m + " at [" + b + ", " + i
                            + "]");
                }
                if (m == 1f && lengths[b] < i) {
                    throw new IllegalArgumentException("mask row " + b + " is not a prefix of ones (right padding): 1 at "
                            + i + " after 0 at " + lengths[b]);
                }
                if (m == 1f) {
                    lengths[b] = i + 1;
                }
            }
        }
        return ofLengths(maxLen, lengths);
    }

    /** Number of sequences. */
    public int batch() {
        return seqs.batch();
    }

    /** Real tokens, padding excluded. */
    public int tokens() {
        return seqs.tokens();
    }

    /** Rows of the padded layout, {@code batch·maxLen}. */
    public int rows() {
        return Math.multiplyExact(batch(), maxLen);
    }

    /** The padded layout as sequences: {@code batch} sequences of {@code maxLen} rows each, padding included. */
    public Sequences slots() {
        return Sequences.uniform(batch(), maxLen);
    }

    /**
     * The attention kernels' {@code KEY_PADDING} mask of the padded layout: {@code [batch, maxLen]}, 0 for a
     * real token, −∞ for padding.
     */
    public float[] keyPaddingMask() {
        float[] mask = new float[rows()];
        for (int b = 0; b < batch(); b++) {
            Arrays.fill(mask, b * maxLen + seqs.length(b), (b + 1) * maxLen, Float.NEGATIVE_INFINITY);
        }
        return mask;
    }
}
