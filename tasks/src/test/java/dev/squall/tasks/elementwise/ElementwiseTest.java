package dev.squall.tasks.elementwise;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Residual add and bias add against float64 sums. One fp32 addition is correctly rounded, so the bound is
 * half an ulp: {@code 2⁻²⁴ · |a + b|} (the float64 sum of two floats is exact barring far-apart exponents,
 * where it is rounded far below that bound).
 */
class ElementwiseTest {
    private static final Tolerance ONE_ROUNDING = Tolerance.relative(0x1p-24);

    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(1, 7), Arguments.of(13, 31), Arguments.of(97, 13),
                Arguments.of(3, 1000));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void addMatchesFloat64(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = operand(rnd, rows * cols);
        float[] b = operand(rnd, rows * cols);
        for (int i = 0; i < a.length; i += 5) {
            b[i] = -a[i]; // exact cancellation
        }
        float[] out = new float[rows * cols];
        Subject subject = Subject.of("Elementwise.add", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Elementwise.add(a, b, out, cols, off, cnt), out);

        double[] ref = new double[out.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = (double) a[i] + b[i];
        }
        ONE_ROUNDING.assertClose(subject, out, ref, Tolerance.absOf(ref));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void addBiasMatchesFloat64(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = operand(rnd, rows * cols);
        float[] bias = operand(rnd, cols);
        float[] out = new float[rows * cols];
        Subject subject = Subject.of("Elementwise.addBias", "rows=" + rows + " cols=" + cols, rnd.seed())
                .rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Elementwise.addBias(x, bias, out, cols, off, cnt), out);

        double[] ref = new double[out.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                ref[r * cols + c] = (double) x[r * cols + c] + bias[c];
            }
        }
        ONE_ROUNDING.assertClose(subject, out, ref, Tolerance.absOf(ref));
    }

    /** Values of random sign and magnitudes from 1e-6 to 1e6, so sums round at every scale. */
    private static float[] operand(RandomArrays rnd, int n) {
        return rnd.logUniform(n, 1e-6, 1e6);
    }
}
