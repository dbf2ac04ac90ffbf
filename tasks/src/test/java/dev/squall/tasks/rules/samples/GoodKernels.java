package dev.squall.tasks.rules.samples;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.activation.Activations;

/**
 * Kernels that use everything the kernel rules allow, as a check that the checker accepts them
 * ({@code KernelRulesSamplesTest}). Never run.
 */
public final class GoodKernels {
    /** Local tile sizes: javac inlines them, so {@code new float[BLOCK]} has a constant size. */
    static final int BLOCK = 8;
    static final int WIDTH = 4;
    /** Not a compile-time constant, so read with GETSTATIC: allowed as it is final and primitive. */
    static final float SCALE = (float) Math.sqrt(2.0);

    private GoodKernels() {
    }

    /** Constant-size local arrays, a product of constants as size, a final static read, a helper without variables. */
    public static void scaledCopy(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] tile = new float[BLOCK];
            float[] wide = new float[BLOCK * WIDTH];
            tile[0] = x[rowOffset + r];
            wide[1] = tile[0] * SCALE;
            out[rowOffset + r] = wide[1] * one();
        }
    }

    /** javac gives a method without variables no local-variable table; that is not missing debug info. */
    private static float one() {
        return 1f;
    }

    /** Nested {@code @Parallel} loops, both from 0; the inner one bounded by a shape parameter. */
    public static void twoDimensional(float[] x, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            for (@Parallel int c = 0; c < cols; c++) {
                int i = (rowOffset + r) * cols + c;
                out[i] = x[i];
            }
        }
    }

    /** Stores through a local helper and through a helper of another kernel class's family. */
    public static void throughHelpers(float[] x, @Out float[] out, @Out float[] activated, int cols,
                                      int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            copyRow(x, out, base, cols);
            for (int c = 0; c < cols; c++) {
                activated[base + c] = Activations.silu(out[base + c]);
            }
        }
    }

    private static void copyRow(float[] from, float[] to, int base, int cols) {
        for (int c = 0; c < cols; c++) {
            to[base + c] = from[base + c];
        }
    }

    /** The allow-listed library calls and the other scalar and array parameter types. */
    public static void libraryCalls(short[] half, byte[] bytes, int[] bits, double[] wide, long[] counts,
                                    @Out float[] out, float eps, double bias, long seed, boolean clamp,
                                    short s, byte b, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int i = rowOffset + r;
            float v = half[i] + bytes[i] + Integer.bitCount(bits[i]) + (float) wide[i];
            v = (float) (Math.exp(v) + Math.log(Math.abs(v) + eps) + Math.pow(v, 2.0) + Math.tanh(v) + bias);
            v = Math.max(v, (float) Math.sqrt(Math.abs(v))) + counts[i] + seed + s + b;
            v = (float) (Math.sin(v) * Math.cos(v));
            out[i] = clamp && (Float.isNaN(v) || Float.isInfinite(v)) ? Math.min(0f, v) : v;
        }
    }

    /** An array chosen by a condition is stored to: both candidates count as stored. */
    public static void chosenOutput(float[] x, @Out float[] even, @Out float[] odd, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            float[] target = row % 2 == 0 ? even : odd;
            target[row / 2] = x[row];
        }
    }
}
