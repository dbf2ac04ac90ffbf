package dev.squall.tasks.padding;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.attention.AttentionMask;

/**
 * Conversion between a padded batch and a packed one (padding removed). Padded: {@code [batch, maxLen, cols]},
 * sequence {@code b}'s tokens in its first {@code length(b)} rows, padding after them. Packed:
 * {@code [tokens, cols]}, the sequences' tokens one after another. {@code seqStart} ({@code batch + 1}
 * offsets, FlashAttention's {@code cu_seqlens}) gives the lengths: {@code length(b) = seqStart[b+1] −
 * seqStart[b] <= maxLen}. Copies are exact, so converting back and forth loses nothing.
 */
public final class Padding {
    private Padding() {
    }

    /**
     * Packed to padded: {@code padded[b, i, :] = packed[seqStart[b] + i, :]} for {@code i < length(b)},
     * zeros in the padding rows. Parallel rows are the {@code batch·maxLen} padded rows.
     */
    public static void pad(float[] packed, @Out float[] padded, int[] seqStart, int cols, int maxLen,
                           int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / maxLen;
            int i = row % maxLen;
            copyOrZero(packed, seqStart[b] + i, padded, row, cols, i < seqStart[b + 1] - seqStart[b]);
        }
    }

    /**
     * Padded to packed: {@code packed[t, :] = padded[b, t − seqStart[b], :]} for the sequence {@code b}
     * holding token {@code t}. Parallel rows are the {@code tokens} packed rows; padding rows are never read.
     */
    public static void unpad(float[] padded, @Out float[] packed, int[] seqStart, int cols, int maxLen,
                             int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int t = rowOffset + r;
            int b = AttentionMask.sequenceOf(seqStart, t);
            copyOrZero(padded, b * maxLen + t - seqStart[b], packed, t, cols, true);
        }
    }

    /**
     * Padded to padded with the padding rows zeroed: {@code out[b, i, :] = x[b, i, :]} for
     * {@code i < length(b)}, zeros after. Parallel rows are the {@code batch·maxLen} padded rows; padding
     * rows of {@code x} are never read, so they may hold anything (NaN included).
     */
    public static void zeroPadding(float[] x, @Out float[] out, int[] seqStart, int cols, int maxLen,
                                   int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / maxLen;
            copyOrZero(x, row, out, row, cols, row % maxLen < seqStart[b + 1] - seqStart[b]);
        }
    }

    /** Row {@code dstRow} of {@code dst} becomes row {@code srcRow} of {@code src} when {@code copy}, else zeros. */
    private static void copyOrZero(float[] src, int srcRow, float[] dst, int dstRow, int cols, boolean copy) {
        int d = dstRow * cols;
        if (copy) {
            int s = srcRow * cols;
            for (int c = 0; c < cols; c++) {
                dst[d + c] = src[s + c];
            }
        } else {
            for (int c = 0; c < cols; c++) {
                dst[d + c] = 0f;
            }
        }
    }
}
