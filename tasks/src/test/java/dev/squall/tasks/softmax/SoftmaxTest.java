package dev.squall.tasks.softmax;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Row softmax against float64. Bound: {@code 1e-5 · p_j}, relative to each probability: the exponent
 * {@code x_j − max} is exact or rounded to an ulp of itself (inputs here keep {@code |x_j − max|} below ~30,
 * so ≲ 2e-6 relative), then one exp, a sum of positive terms and one product.
 */
class SoftmaxTest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(1, 7), Arguments.of(13, 31), Arguments.of(97, 97),
                Arguments.of(7, 1000), Arguments.of(5, 1));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void gaussianRows(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        check("gaussian(0, 3)", rnd, rows, cols, rnd.gaussian(rows * cols, 0, 3));
    }

    /** Values around ±1e4: e^{1e4} overflows, so this only passes with the row maximum subtracted. */
    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void hugeValuesNeedTheMaximumSubtracted(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 3);
        for (int r = 0; r < rows; r++) {
            float offset = r % 2 == 0 ? 1e4f : -1e4f;
            for (int c = 0; c < cols; c++) {
                x[r * cols + c] += offset;
            }
        }
        check("+-1e4 + gaussian(0, 3)", rnd, rows, cols, x);
    }

    /** About a third of the entries are −∞ (masked), and every third row is −∞ throughout, which must give zeros. */
    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void maskedEntriesAndFullyMaskedRows(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols, 0, 3);
        for (int r = 0; r < rows; r++) {
            boolean fullyMasked = r % 3 == 0;
            for (int c = 0; c < cols; c++) {
                if (fullyMasked || rnd.chance(0.35)) {
                    x[r * cols + c] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        check("gaussian(0, 3) with -inf", rnd, rows, cols, x);
    }

    private static void check(String inputs, RandomArrays rnd, int rows, int cols, float[] x) {
        float[] out = new float[rows * cols];
        Subject subject = Subject.of("Softmax.softmax", "rows=" + rows + " cols=" + cols + " " + inputs, rnd.seed())
                .rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Softmax.softmax(x, out, cols, off, cnt), out);

        double[] ref = SoftmaxReference.softmax(x, rows, cols);
        Tolerance.FP32.assertClose(subject, out, ref, Tolerance.absOf(ref));
    }
}
