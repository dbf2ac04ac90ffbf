package dev.squall.engine.compress;

import java.util.Arrays;
import java.util.List;

/**
 * Magnitude pruning: zeroing the weights of smallest absolute value.
 * <ul>
 *   <li>{@link #perRow}: each row of {@code [out, in]} loses exactly {@code round(s·in)} weights;</li>
 *   <li>{@link #global}: all weights of one or more tensors compete together, exactly {@code round(s·N)} of
 *       the {@code N} weights are zeroed (one tensor: layer-wise pruning; all of a model: global pruning);</li>
 *   <li>{@link #twoFour}: the 2:4 pattern, the 2 smallest of every group of 4 consecutive weights of a row.</li>
 * </ul>
 * "Smallest" orders by {@code |w|}, ties by position (the earlier weight goes first), so the result is exact
 * and deterministic; weights that are already zero count among the pruned ones. {@code round} rounds half up.
 * The arrays are pruned in place.
 */
public final class Pruning {
    private Pruning() {
    }

    /** How many of {@code n} weights sparsity {@code s} prunes: {@code round(s·n)}. */
    public static long target(double sparsity, long n) {
        checkSparsity(sparsity);
        return Math.round(sparsity * n);
    }

    /** Zeroes the {@code round(s·in)} smallest weights of every row of {@code w[out, in]}. */
    public static void perRow(float[] w, int out, int in, double sparsity) {
        int prune = (int) target(sparsity, in);
        long[] keys = new long[in];
        for (int j = 0; j < out; j++) {
            for (int p = 0; p < in; p++) {
                keys[p] = key(w[j * in + p], p);
            }
            Arrays.sort(keys);
            for (int e = 0; e < prune; e++) {
                w[j * in + (int) keys[e]] = 0f;
            }
        }
    }

    /** Zeroes the {@code round(s·N)} smallest of the {@code N} weights of all {@code tensors} together. */
    public static void global(List<float[]> tensors, double sparsity) {
        long total = tensors.stream().mapToLong(t -> t.length).sum();
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("global pruning supports up to 2^31 weights, got " + total);
        }
        long prune = target(sparsity, total);
        long[] keys = new long[(int) total];
        int offset = 0;
        for (float[] t : tensors) {
            for (int i = 0; i < t.length; i++) {
                keys[offset + i] = key(t[i], offset + i);
            }
            offset += t.length;
        }
        Arrays.sort(keys);
        int[] starts = new int[tensors.size() + 1];
        for (int k = 0; k < tensors.size(); k++) {
            starts[k + 1] = starts[k] + tensors.get(k).length;
        }
        for (int e = 0; e < prune; e++) {
            int index = (int) keys[e];
            int k = Arrays.binarySearch(starts, index);
            k = k >= 0 ? k : -k - 2;
            while (starts[k + 1] == starts[k]) {
                k++; // skip empty tensors starting at the same offset
            }
            tensors.get(k)[index - starts[k]] = 0f;
        }
    }

    /** Keeps the 2 largest of every group of 4 consecutive weights of each row; {@code in} a multiple of 4. */
    public static void twoFour(float[] w, int out, int in) {
        Sparse24Linear.requireGroups(in);
        long[] keys = new long[4];
        for (int base = 0; base < out * in; base += 4) {
            for (int t = 0; t < 4; t++) {
                keys[t] = key(w[base + t], t);
            }
            Arrays.sort(keys);
            w[base + (int) keys[0]] = 0f;
            w[base + (int) keys[1]] = 0f;
        }
    }

    /** Sort key: the magnitude's bits (which order like the magnitudes), then the position. */
    private static long key(float v, int position) {
        return (long) Float.floatToRawIntBits(Math.abs(v)) << 32 | position;
    }

    private static void checkSparsity(double s) {
        if (!(s >= 0 && s <= 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1], got " + s);
        }
    }
}
