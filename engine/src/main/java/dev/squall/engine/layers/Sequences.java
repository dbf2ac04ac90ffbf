package dev.squall.engine.layers;

import java.util.Arrays;

/**
 * The packed representation of a batch: the tokens of all sequences one after another in token-major
 * arrays ({@code [tokens, d]}), and the cumulative sequence offsets, {@code cu_seqlens} in
 * FlashAttention's variable-length API and FasterTransformer's "remove padding": sequence {@code b} is
 * tokens {@code [starts[b], starts[b+1])}. Equal lengths are the usual batch without padding; mixed
 * lengths are a variable-length batch with its padding removed ({@link PaddedBatch} converts).
 * Sequences may be empty. Every row-wise kernel runs on the packed rows as they are; the attention
 * kernels take {@link #starts()} as their {@code seqStart} and never let a token see another sequence.
 *
 * @param starts {@code batch + 1} non-decreasing offsets ({@code cu_seqlens}), {@code starts[0] = 0}
 * @param maxLen bound on every sequence's length (at least 1): the longest one, or more
 */
public record Sequences(int[] starts, int maxLen) {

    /** Checks the offsets. */
    public Sequences {
        if (starts.length < 2 || starts[0] != 0) {
            throw new IllegalArgumentException("sequence offsets must start at 0 and describe at least one sequence, got "
                    + Arrays.toString(starts));
        }
        int longest = 0;
        for (int b = 0; b + 1 < starts.length; b++) {
            if (starts[b + 1] < starts[b]) {
                throw new IllegalArgumentException("sequence offsets must not decrease, got " + Arrays.toString(starts));
            }
            longest = Math.max(longest, starts[b + 1] - starts[b]);
        }
        if (maxLen < Math.max(1, longest)) {
            throw new IllegalArgumentException("maxLen " + maxLen + " is shorter than the longest sequence " + longest);
        }
    }

    /** {@code batch} sequences of {@code n} tokens each. */
    public static Sequences uniform(int batch, int n) {
        if (batch < 1 || n < 1) {
            throw new IllegalArgumentException("batch and sequence length must be >= 1, got batch=" + batch + ", n=" + n);
        }
        int[] starts = new int[batch + 1];
        for (int b = 0; b < batch; b++) {
            starts[b + 1] = Math.addExact(starts[b], n);
        }
        return new Sequences(starts, n);
    }

    /** Sequences of the given lengths, each {@code >= 0}, packed in that order. */
    public static Sequences ofLengths(int... lengths) {
        if (lengths.length == 0) {
            throw new IllegalArgumentException("at least one sequence length is needed");
        }
        int[] starts = new int[lengths.length + 1];
        int longest = 1;
        for (int b = 0; b < lengths.length; b++) {
            if (lengths[b] < 0) {
                throw new IllegalArgumentException("sequence lengths must be >= 0, got " + lengths[b] + " at index " + b);
            }
            starts[b + 1] = Math.addExact(starts[b], lengths[b]);
            longest = Math.max(longest, lengths[b]);
        }
        return new Sequences(starts, longest);
    }

    /** Sequences given by their offsets ({@code cu_seqlens}: 0, then the running total of the lengths). */
    public static Sequences ofOffsets(int... cuSeqlens) {
        int longest = 1;
        for (int b = 0; b + 1 < cuSeqlens.length; b++) {
            longest = Math.max(longest, cuSeqlens[b + 1] - cuSeqlens[b]);
        }
        return new Sequences(cuSeqlens.clone(), longest);
    }

    /** The length of every sequence. */
    public int[] lengths() {
        int[] lengths = new int[batch()];
        Arrays.setAll(lengths, this::length);
        return lengths;
    }

    /** Number of sequences. */
    public int batch() {
        return starts.length - 1;
    }

    /** Tokens of all sequences. */
    public int tokens() {
        return starts[starts.length - 1];
    }

    /** Length of sequence {@code b}. */
    public int length(int b) {
        return starts[b + 1] - starts[b];
    }
}
