package dev.squall.tasks.gemm;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The weight-gradient GEMMs {@link Gemm#matmulTransA} and {@link Gemm#tiledMatmulTransA}, {@code C += Aᵀ·B}, against
 * float64 onto random initial values, and against each other bit for bit (both sum in ascending {@code i} onto the
 * stored value). Bound: {@code 1e-5 · (|C₀| + Σ_i |a_ij||b_ip|)}, the dot-product bound with the initial value as
 * one more term. Tiles smaller and larger than the matrices, not dividing them.
 */
class GemmTransATest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(7, 1, 5), Arguments.of(1, 13, 17), Arguments.of(17, 33, 67),
                Arguments.of(131, 19, 29), Arguments.of(64, 48, 40));
    }

    @ParameterizedTest(name = "M={0} N={1} K={2}")
    @MethodSource("shapes")
    void accumulatesTheTransposedProduct(int m, int n, int k) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(m * n);
        float[] b = rnd.gaussian(m * k);
        float[] initial = rnd.gaussian(n * k, 0, 2);
        float[] c = new float[n * k];
        String shape = "M=" + m + " N=" + n + " K=" + k;
        Subject subject = Subject.of("Gemm.matmulTransA", shape, rnd.seed()).rowsOf(k);

        RowSlices.runFrom(subject, rnd, n, (off, cnt) -> Gemm.matmulTransA(a, b, c, m, n, k, off, cnt),
                new float[][] {initial}, c);

        double[] ref = new double[n * k];
        double[] scale = new double[n * k];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                double acc = initial[j * k + p];
                double abs = Math.abs(initial[j * k + p]);
                for (int i = 0; i < m; i++) {
                    acc += (double) a[i * n + j] * b[i * k + p];
                    abs += Math.abs((double) a[i * n + j] * b[i * k + p]);
                }
                ref[j * k + p] = acc;
                scale[j * k + p] = abs;
            }
        }
        Tolerance.FP32.assertClose(subject, c, ref, scale);

        float[] tiled = new float[n * k];
        for (int[] tiles : new int[][] {{1, 1, 1}, {4, 8, 16}, {5, 7, 11}, {64, 64, 64}}) {
            int tileM = tiles[0];
            int tileN = tiles[1];
            int tileK = tiles[2];
            Subject t = Subject.of("Gemm.tiledMatmulTransA", shape + " tiles=" + tileM + "x" + tileN + "x" + tileK,
                    rnd.seed()).rowsOf(k);
            RowSlices.runFrom(t, rnd, (n + tileN - 1) / tileN,
                    (off, cnt) -> Gemm.tiledMatmulTransA(a, b, tiled, m, n, k, tileM, tileN, tileK, off, cnt),
                    new float[][] {initial}, tiled);
            BitExact.assertIdentical(t.with("vs matmulTransA"), c, tiled);
        }
    }
}
