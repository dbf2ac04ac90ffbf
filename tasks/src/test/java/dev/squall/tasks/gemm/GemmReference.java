package dev.squall.tasks.gemm;

import dev.squall.tasks.activation.ActivationReference;

/**
 * Float64 references for {@link Gemm}: plain double loops over row-major {@code A[M,K]} and {@code B[N,K]}
 * ({@code transB}) or {@code B[K,N]}, plus the error scale of each output element.
 */
public final class GemmReference {
    private GemmReference() {
    }

    /** {@code A·Bᵀ} when {@code transB}, else {@code A·B}, as an {@code [M,N]} row-major array. */
    public static double[] product(float[] a, float[] b, int m, int n, int k, boolean transB) {
        return product(a, b, m, n, k, transB, false);
    }

    /**
     * {@code Σ_p |a_ip|·|b_pj|} for each output element: the classic bound of the rounding error of a
     * floating-point dot product is proportional to it (not to the possibly cancelled result).
     */
    public static double[] absProduct(float[] a, float[] b, int m, int n, int k, boolean transB) {
        return product(a, b, m, n, k, transB, true);
    }

    /** {@code activation(acc[i,j] + bias[j])} (bias only when {@code hasBias}) for an {@code [M,N]} array. */
    public static double[] epilogue(double[] acc, float[] bias, int n, boolean hasBias, int activation) {
        double[] out = new double[acc.length];
        for (int i = 0; i < acc.length; i++) {
            double v = hasBias ? acc[i] + bias[i % n] : acc[i];
            out[i] = ActivationReference.apply(activation, v);
        }
        return out;
    }

    /**
     * Error scale of a GEMM with epilogue: {@code Σ_p |a_ip||b_pj| + |bias_j|}, the scale of the
     * pre-activation sum; the activations carry it over unchanged up to their slope (at most 1.13).
     */
    public static double[] scale(float[] a, float[] b, float[] bias, int m, int n, int k, boolean transB,
                                 boolean hasBias) {
        double[] scale = absProduct(a, b, m, n, k, transB);
        if (hasBias) {
            for (int i = 0; i < scale.length; i++) {
                scale[i] += Math.abs(bias[i % n]);
            }
        }
        return scale;
    }

    private static double[] product(float[] a, float[] b, int m, int n, int k, boolean transB, boolean abs) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    double x = a[i * k + p];
                    double y = transB ? b[j * k + p] : b[p * n + j];
                    acc += abs ? Math.abs(x * y) : x * y;
                }
                c[i * n + j] = acc;
            }
        }
        return c;
    }
}
