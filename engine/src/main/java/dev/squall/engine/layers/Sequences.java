package dev.squall.engine.layers;

import java.util.Arrays;

/**
 * The sequences of a batch, packed one after another in token-major arrays: sequence {@code b} is tokens
 * {@code [starts[b], starts[b+1])}. Equal lengths are the usual padded-free batch; mixed lengths are a
 * packed variable-length batch (padding removed).
 *
 * @param starts {@code batch + 1} ascending offsets, {@code starts[0] = 0}
 * @param maxLen the longest sequence (at least 1)
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
