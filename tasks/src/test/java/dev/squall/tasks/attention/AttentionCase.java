package dev.squall.tasks.attention;

import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;

/**
 * Random inputs for one attention call in the layout of the package documentation: Q, K and V either as
 * three arrays ({@code ld = heads·d}, columns 0) or as one packed QKV array passed three times
 * ({@code ld = 3·heads·d}, columns 0, {@code heads·d}, {@code 2·heads·d}).
 *
 * <p>With {@link AttentionMask#ADDITIVE} the {@code [n, n]} mask mixes values in [−2, 2) with −∞ (10%) and
 * {@code −Float.MAX_VALUE} (5%, the "finfo.min" convention of HuggingFace masks); without it the mask is NaN,
 * which proves the kernels leave it unread.
 *
 * @param batch     sequences
 * @param heads     heads
 * @param n         tokens per sequence
 * @param d         head dimension
 * @param maskFlags {@link AttentionMask} flags
 * @param packed    whether q, k and v are one packed QKV array
 * @param q         queries (the packed array when {@code packed})
 * @param k         keys (the packed array when {@code packed})
 * @param v         values (the packed array when {@code packed})
 * @param mask      the {@code [n, n]} additive mask
 * @param ld        row stride of q, k and v
 * @param qCol      column where Q starts
 * @param kCol      column where K starts
 * @param vCol      column where V starts
 */
public record AttentionCase(int batch, int heads, int n, int d, int maskFlags, boolean packed, float[] q, float[] k,
                            float[] v, float[] mask, int ld, int qCol, int kCol, int vCol) {

    /**
     * Every combination of batch 1 and 2, heads 1 and 3, n in {1, 3, 15, 16, 17, 65, 100} (around
     * {@link FusedAttention#QUERY_BLOCK} = 16 and {@link FusedAttention#KEY_BLOCK} = 64) and d in {1, 7, 64},
     * each as {batch, heads, n, d}.
     */
    public static List<int[]> awkwardShapes() {
        List<int[]> shapes = new ArrayList<>();
        for (int batch : new int[] {1, 2}) {
            for (int heads : new int[] {1, 3}) {
                for (int n : new int[] {1, 3, 15, 16, 17, 65, 100}) {
                    for (int d : new int[] {1, 7, 64}) {
                        shapes.add(new int[] {batch, heads, n, d});
                    }
                }
            }
        }
        return shapes;
    }

    /** Gaussian Q, K and V (standard deviation 1) and, when {@code maskFlags} has ADDITIVE, a random mask. */
    public static AttentionCase random(RandomArrays rnd, int batch, int heads, int n, int d, int maskFlags,
                                       boolean packed) {
        int hd = heads * d;
        float[] mask = (maskFlags & AttentionMask.ADDITIVE) != 0 ? randomMask(rnd, n) : Poison.array(n * n);
        if (packed) {
            float[] qkv = rnd.gaussian(batch * n * 3 * hd);
            return new AttentionCase(batch, heads, n, d, maskFlags, true, qkv, qkv, qkv, mask, 3 * hd, 0, hd, 2 * hd);
        }
        return new AttentionCase(batch, heads, n, d, maskFlags, false, rnd.gaussian(batch * n * hd),
                rnd.gaussian(batch * n * hd), rnd.gaussian(batch * n * hd), mask, hd, 0, 0, 0);
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

    /**
     * Sets row {@code i} of the additive mask to −∞ throughout, so query {@code i} sees no key (only
     * meaningful with {@link AttentionMask#ADDITIVE}); returns this case.
     */
    public AttentionCase hidingAllKeysFrom(int i) {
        for (int j = 0; j < n; j++) {
            mask[i * n + j] = Float.NEGATIVE_INFINITY;
        }
        return this;
    }

    /** Elements of the attention output {@code [batch·n, heads·d]}. */
    public int outputSize() {
        return batch * n * heads * d;
    }

    /** Parallel rows of the unfused kernels: one per (sequence, head, query). */
    public int queryRows() {
        return batch * heads * n;
    }

    /** The shape in words, for failure messages. */
    public String describe() {
        return "batch=" + batch + " heads=" + heads + " n=" + n + " d=" + d + " maskFlags=" + maskFlags
                + (packed ? " packed qkv" : " separate q,k,v");
    }
}
