package dev.squall.tasks.attention;

import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Random inputs for one attention call in the layout of the package documentation: sequences of the given
 * lengths packed one after another ({@code seqStart}), and Q, K and V either as three arrays
 * ({@code ld = heads·d}, columns 0) or as one packed QKV array passed three times
 * ({@code ld = 3·heads·d}, columns 0, {@code heads·d}, {@code 2·heads·d}).
 *
 * <p>With {@link AttentionMask#ADDITIVE} the {@code [maxLen, maxLen]} mask mixes values in [−2, 2) with −∞
 * (10%) and {@code −Float.MAX_VALUE} (5%, the "finfo.min" convention of HuggingFace masks); without it the
 * mask is NaN, which proves the kernels leave it unread. With {@link AttentionMask#KEY_PADDING} a per-key
 * section of {@code tokens} values follows (after the additive section, if any): 0 (60%), values in [−2, 2)
 * (20%) and −∞ (20%, padding).
 *
 * @param lengths   tokens of each sequence
 * @param seqStart  {@code lengths.length + 1} offsets of the sequences
 * @param maxLen    the longest length (at least 1)
 * @param heads     heads
 * @param d         head dimension
 * @param maskFlags {@link AttentionMask} flags
 * @param packed    whether q, k and v are one packed QKV array
 * @param q         queries (the packed array when {@code packed})
 * @param k         keys (the packed array when {@code packed})
 * @param v         values (the packed array when {@code packed})
 * @param mask      the {@code [maxLen, maxLen]} additive mask, then the per-key mask with KEY_PADDING
 * @param ld        row stride of q, k and v
 * @param kCol      column where K starts
 * @param vCol      column where V starts
 */
public record AttentionCase(int[] lengths, int[] seqStart, int maxLen, int heads, int d, int maskFlags,
                            boolean packed, float[] q, float[] k, float[] v, float[] mask, int ld, int kCol,
                            int vCol) {

    /**
     * Shapes as {lengths..., heads, d}: equal lengths in {1, 3, 15, 16, 17, 65, 100} (around
     * {@link FusedAttention#QUERY_BLOCK} = 16 and {@link FusedAttention#KEY_BLOCK} = 64) for one and two
     * sequences, mixed lengths including an empty sequence, each with heads 1 and 3 and d in {1, 7, 64}.
     */
    public static List<Shape> awkwardShapes() {
        List<int[]> batches = new ArrayList<>();
        for (int n : new int[] {1, 3, 15, 16, 17, 65, 100}) {
            batches.add(new int[] {n});
            batches.add(new int[] {n, n});
        }
        batches.add(new int[] {1, 17, 3});
        batches.add(new int[] {16, 0, 65});
        batches.add(new int[] {100, 15, 1, 33});
        List<Shape> shapes = new ArrayList<>();
        for (int[] lengths : batches) {
            for (int heads : new int[] {1, 3}) {
                for (int d : new int[] {1, 7, 64}) {
                    shapes.add(new Shape(lengths, heads, d));
                }
            }
        }
        return shapes;
    }

    /**
     * One shape.
     *
     * @param lengths sequence lengths
     * @param heads   heads
     * @param d       head dimension
     */
    public record Shape(int[] lengths, int heads, int d) {
    }

    /** Gaussian Q, K and V (standard deviation 1) and, when {@code maskFlags} has ADDITIVE, a random mask. */
    public static AttentionCase random(RandomArrays rnd, Shape s, int maskFlags, boolean packed) {
        int[] seqStart = new int[s.lengths().length + 1];
        for (int b = 0; b < s.lengths().length; b++) {
            seqStart[b + 1] = seqStart[b] + s.lengths()[b];
        }
        int tokens = seqStart[s.lengths().length];
        int maxLen = Math.max(1, Arrays.stream(s.lengths()).max().orElse(1));
        int hd = s.heads() * s.d();
        float[] mask = (maskFlags & AttentionMask.ADDITIVE) != 0 ? randomMask(rnd, maxLen) : Poison.array(maxLen * maxLen);
        if ((maskFlags & AttentionMask.KEY_PADDING) != 0) {
            float[] keys = randomKeyMask(rnd, tokens);
            mask = (maskFlags & AttentionMask.ADDITIVE) != 0 ? concat(mask, keys) : keys;
        }
        if (packed) {
            float[] qkv = rnd.gaussian(tokens * 3 * hd);
            return new AttentionCase(s.lengths(), seqStart, maxLen, s.heads(), s.d(), maskFlags, true, qkv, qkv, qkv,
                    mask, 3 * hd, hd, 2 * hd);
        }
        return new AttentionCase(s.lengths(), seqStart, maxLen, s.heads(), s.d(), maskFlags, false,
                rnd.gaussian(tokens * hd), rnd.gaussian(tokens * hd), rnd.gaussian(tokens * hd), mask, hd, 0, 0);
    }

    private static float[] randomMask(RandomArrays rnd, int n) {
        float[] mask = rnd.uniform(n * n, -2, 2);
        for (int i = 0; i < mask.length; i++) {
            double pick = rnd.nextDouble(0, 1);
            if (pick < 0.1) {
                mask[i] = Float.NEGATIVE_INFINITY;
            } else if (pick < 0.15) {
                mask[i] = -Float.MAX_VALUE;
            }
        }
        return mask;
    }

    private static float[] randomKeyMask(RandomArrays rnd, int tokens) {
        float[] keys = new float[Math.max(tokens, 1)];
        for (int t = 0; t < tokens; t++) {
            double pick = rnd.nextDouble(0, 1);
            keys[t] = pick < 0.6 ? 0f : pick < 0.8 ? (float) rnd.nextDouble(-2, 2) : Float.NEGATIVE_INFINITY;
        }
        return keys;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** The {@link AttentionMask#KEY_PADDING} value of key token {@code key}, 0 without that flag. */
    public float keyBias(int key) {
        if ((maskFlags & AttentionMask.KEY_PADDING) == 0) {
            return 0f;
        }
        return mask[((maskFlags & AttentionMask.ADDITIVE) != 0 ? maxLen * maxLen : 0) + key];
    }

    /**
     * Sets row {@code i} of the additive mask to −∞ throughout, so the query at position {@code i} of every
     * sequence sees no key (only meaningful with {@link AttentionMask#ADDITIVE}); returns this case.
     */
    public AttentionCase hidingAllKeysFrom(int i) {
        for (int j = 0; j < maxLen; j++) {
            mask[i * maxLen + j] = Float.NEGATIVE_INFINITY;
        }
        return this;
    }

    /**
     * This case (Q, K, V and lengths shared) with the local window of radius {@code radius} as an additive mask:
     * 0 where {@code |i − j| <= radius}, −∞ elsewhere, on top of this case's causal flag (which must have no other
     * mask): the float64 references then compute exact attention over the window.
     */
    public AttentionCase withWindow(int radius) {
        if ((maskFlags & ~AttentionMask.CAUSAL) != 0) {
            throw new IllegalStateException("a window on a case that has a mask of its own: " + describe());
        }
        float[] window = new float[maxLen * maxLen];
        for (int i = 0; i < maxLen; i++) {
            for (int j = 0; j < maxLen; j++) {
                window[i * maxLen + j] = Math.abs(i - j) <= radius ? 0f : Float.NEGATIVE_INFINITY;
            }
        }
        return new AttentionCase(lengths, seqStart, maxLen, heads, d, maskFlags | AttentionMask.ADDITIVE, packed, q, k,
                v, window, ld, kCol, vCol);
    }

    /** Sequences in the batch. */
    public int batch() {
        return lengths.length;
    }

    /** Tokens of all sequences. */
    public int tokens() {
        return seqStart[lengths.length];
    }

    /** Elements of the attention output {@code [tokens, heads·d]}. */
    public int outputSize() {
        return tokens() * heads * d;
    }

    /** Parallel rows of the unfused kernels: one per (query, head). */
    public int queryRows() {
        return tokens() * heads;
    }

    /** The shape in words, for failure messages. */
    public String describe() {
        return "lengths=" + Arrays.toString(lengths) + " heads=" + heads + " d=" + d + " maskFlags=" + maskFlags
                + (packed ? " packed qkv" : " separate q,k,v");
    }
}
