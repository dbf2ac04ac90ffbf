package dev.squall.tasks.testing;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * A kernel with 18 arguments before the row range, the most a task binds (TornadoVM's largest task has 20
 * parameters), to check that the widest kernels run: on the JVM backend and on TornadoVM.
 */
public final class WideKernel {
    private WideKernel() {
    }

    /** {@code out[i] = Σ_t (t + 1)·x_t[i]} over the 16 inputs {@code a .. p}, rows of {@code cols}. */
    public static void weightedSum(float[] a, float[] b, float[] c, float[] d, float[] e, float[] f, float[] g,
                                   float[] h, float[] i, float[] j, float[] k, float[] l, float[] m, float[] n,
                                   float[] o, float[] p, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            for (int col = 0; col < cols; col++) {
                int x = row * cols + col;
                out[x] = a[x] + 2 * b[x] + 3 * c[x] + 4 * d[x] + 5 * e[x] + 6 * f[x] + 7 * g[x] + 8 * h[x] + 9 * i[x]
                        + 10 * j[x] + 11 * k[x] + 12 * l[x] + 13 * m[x] + 14 * n[x] + 15 * o[x] + 16 * p[x];
            }
        }
    }

    /** The same sum in float64 for {@code inputs} = a .. p, or with {@code abs} the sum of magnitudes (its scale). */
    public static double[] reference(float[][] inputs, boolean abs) {
        double[] out = new double[inputs[0].length];
        for (int t = 0; t < inputs.length; t++) {
            for (int x = 0; x < out.length; x++) {
                double v = inputs[t][x];
                out[x] += (t + 1) * (abs ? Math.abs(v) : v);
            }
        }
        return out;
    }
}
