package dev.squall.tasks.gemm;

import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;

/**
 * The check every GEMM with a weight stored by output rows ({@code W[n, k]}, any format) must pass: on random
 * activations, for each epilogue, its result equals the float64 product with the <em>dequantised</em> weight
 * (as the test decodes it from the format's definition) within the fp32 bound
 * {@code 1e-5 · (Σ_p |x_ip||ŵ_jp| + |bias_j|)}, and it does not depend on how the rows are split. Parallel
 * rows are the {@code n} output features.
 */
public final class WeightRowsCheck {
    /** Shapes {m, n, k}: ones, primes, exact and broken multiples of 32, a k above four blocks. */
    public static final int[][] SHAPES = {{1, 1, 1}, {1, 7, 31}, {3, 5, 32}, {2, 9, 33}, {5, 17, 67},
            {1, 33, 130}, {4, 3, 100}, {6, 8, 64}, {2, 4, 8}};
    /** {hasBias, activation}: none, bias, bias with GELU. */
    public static final int[][] EPILOGUES = {{0, Activations.IDENTITY}, {1, Activations.IDENTITY},
            {1, Activations.GELU_ERF}};

    /** A GEMM kernel with its weight bound, given everything else. */
    @FunctionalInterface
    public interface Kernel {
        /** Runs on output features {@code [rowOffset, rowOffset + rowCount)}. */
        void run(float[] x, float[] bias, float[] y, int m, int n, int k, int hasBias, int activation, int rowOffset,
                 int rowCount);
    }

    private WeightRowsCheck() {
    }

    /**
     * Runs {@code kernel} for every epilogue on fresh activations and checks it against
     * {@code x · wᵀ} computed in float64 from the dequantised weight {@code w[n, k]}.
     */
    public static void check(String name, RandomArrays rnd, int m, int n, int k, float[] w, Kernel kernel) {
        for (int[] e : EPILOGUES) {
            float[] x = rnd.gaussian(m * k);
            float[] bias = e[0] != 0 ? rnd.gaussian(n) : Poison.array(n);
            float[] y = new float[m * n];
            Subject subject = Subject.of(name, "M=" + m + " N=" + n + " K=" + k + " hasBias=" + e[0] + " activation="
                    + e[1], rnd.seed()).rowsOf(n);
            RowSlices.run(subject, rnd, n, (off, cnt) -> kernel.run(x, bias, y, m, n, k, e[0], e[1], off, cnt), y);
            double[] ref = GemmReference.epilogue(GemmReference.product(x, w, m, n, k, true), bias, n, e[0] != 0, e[1]);
            Tolerance.FP32.assertClose(subject, y, ref, GemmReference.scale(x, w, bias, m, n, k, true, e[0] != 0));
        }
    }
}
