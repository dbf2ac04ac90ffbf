package dev.squall.engine.jvm.fast.gemm;

import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The weight-gradient fast paths {@link GemmVector#matmulTransA} and {@link GemmVector#tiledMatmulTransA},
 * {@code C += Aᵀ·B}, onto random initial values. The contract ({@link dev.squall.engine.jvm.fast.driver.TransposedGemm}): every element is the FMA
 * chain over {@code i} ascending from its stored value, so the fast paths give the bits of a scalar FMA loop for
 * any split of rows and any tiles (checked bit for bit), and stay within the fp32 bound of the plain kernel
 * ({@code 1e-5 · (|C₀| + Σ_i |a_ij||b_ip|)} against float64, {@code 2e-5} of the same scale against the plain
 * kernel). Shapes: 1, odd, primes, and past the blocks (depth over 256, rows of C over 128, columns not a multiple
 * of the vector). Rows outside a call keep their bits (poisoned there).
 */
class GemmTransAVectorTest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(7, 1, 5), Arguments.of(1, 13, 17), Arguments.of(17, 33, 67),
                Arguments.of(131, 19, 29), Arguments.of(300, 130, 47), Arguments.of(521, 67, 129),
                Arguments.of(64, 257, 40));
    }

    @ParameterizedTest(name = "M={0} N={1} K={2}")
    @MethodSource("shapes")
    void givesTheBitsOfAnFmaLoopForAnySplit(int m, int n, int k) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(m * n);
        float[] b = rnd.gaussian(m * k);
        float[] initial = rnd.gaussian(n * k, 0, 2);
        String shape = "M=" + m + " N=" + n + " K=" + k;
        Subject subject = Subject.of("GemmVector.matmulTransA", shape, rnd.seed()).rowsOf(k);

        float[] fast = new float[n * k];
        RowSlices.runFrom(subject, rnd, n, (off, cnt) -> GemmVector.matmulTransA(a, b, fast, m, n, k, off, cnt),
                new float[][] {initial}, fast);
        BitExact.assertIdentical(subject.with("vs scalar FMA loop"), fmaLoop(a, b, initial, m, n, k), fast);

        float[] plain = initial.clone();
        Gemm.matmulTransA(a, b, plain, m, n, k, 0, n);
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
        Tolerance.FP32.assertClose(subject.with("vs float64"), fast, ref, scale);
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), fast, GemmVectorTest.toDouble(plain), scale);

        float[] tiled = new float[n * k];
        for (int[] tiles : new int[][] {{1, 1, 1}, {16, 16, 128}, {5, 7, 11}, {64, 200, 64}}) {
            int tileN = tiles[1];
            Subject t = subject.with("tiledMatmulTransA tiles=" + tiles[0] + "x" + tileN + "x" + tiles[2]);
            RowSlices.runFrom(t, rnd, (n + tileN - 1) / tileN, (off, cnt) -> GemmVector.tiledMatmulTransA(a, b, tiled,
                    m, n, k, tiles[0], tileN, tiles[2], off, cnt), new float[][] {initial}, tiled);
            BitExact.assertIdentical(t.with("vs matmulTransA"), fast, tiled);
        }
    }

    @Test
    void touchesOnlyTheRowsOfTheCall() {
        RandomArrays rnd = RandomArrays.fresh();
        int m = 270;
        int n = 150;
        int k = 37;
        float[] a = rnd.gaussian(m * n);
        float[] b = rnd.gaussian(m * k);
        float[] c = Poison.array(n * k);
        float[] initial = rnd.gaussian(n * k);
        int j0 = 3;
        int j1 = 140;
        System.arraycopy(initial, j0 * k, c, j0 * k, (j1 - j0) * k);
        GemmVector.matmulTransA(a, b, c, m, n, k, j0, j1 - j0);
        float[] expected = fmaLoop(a, b, initial, m, n, k);
        for (int e = 0; e < n * k; e++) {
            int row = e / k;
            float want = row >= j0 && row < j1 ? expected[e] : Float.NaN;
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(c[e]), "element " + e + " row " + row
                    + " (seed " + rnd.seed() + ")");
        }
    }

    @Test
    void nothingToAddLeavesTheValues() {
        float[] c = {1.5f, -2f, Float.NaN};
        GemmVector.matmulTransA(new float[0], new float[0], c, 0, 1, 3, 0, 1);
        assertEquals(1.5f, c[0]);
        assertEquals(-2f, c[1]);
        assertEquals(Float.NaN, c[2]);
    }

    /** {@code C = initial + Aᵀ·B}, each element {@code acc = fma(a_ij, b_ip, acc)} over {@code i} ascending. */
    static float[] fmaLoop(float[] a, float[] b, float[] initial, int m, int n, int k) {
        float[] c = initial.clone();
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                float acc = c[j * k + p];
                for (int i = 0; i < m; i++) {
                    acc = Math.fma(a[i * n + j], b[i * k + p], acc);
                }
                c[j * k + p] = acc;
            }
        }
        return c;
    }
}
