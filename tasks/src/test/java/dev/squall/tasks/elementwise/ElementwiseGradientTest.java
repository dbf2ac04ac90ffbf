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
 * The training kernels of {@link Elementwise}: {@code accumulate} (one rounding: {@code 2⁻²⁴·|ref|}), {@code fill}
 * (exact) and {@code addColumnSums} ({@code 1e-5 · (|initial| + Σ_i |x_ic|)}, at most 97 terms), accumulating onto
 * random initial values.
 */
class ElementwiseGradientTest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(1, 7), Arguments.of(13, 31), Arguments.of(97, 13),
                Arguments.of(3, 1000), Arguments.of(64, 33));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void accumulateAddsSourceToDestination(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] src = rnd.gaussian(rows * cols);
        float[] initial = rnd.gaussian(rows * cols, 0, 3);
        float[] dst = new float[rows * cols];
        Subject subject = Subject.of("Elementwise.accumulate", "rows=" + rows + " cols=" + cols, rnd.seed()).rowsOf(cols);

        RowSlices.runFrom(subject, rnd, rows, (off, cnt) -> Elementwise.accumulate(src, dst, cols, off, cnt),
                new float[][] {initial}, dst);

        double[] ref = new double[dst.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = (double) initial[i] + src[i];
        }
        Tolerance.relative(0x1p-24).assertClose(subject, dst, ref, Tolerance.absOf(ref));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void fillWritesTheValueEverywhere(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float value = rnd.chance(0.5) ? 0f : (float) rnd.nextDouble(-5, 5);
        float[] x = new float[rows * cols];
        Subject subject = Subject.of("Elementwise.fill", "rows=" + rows + " cols=" + cols + " value=" + value,
                rnd.seed()).rowsOf(cols);

        RowSlices.run(subject, rnd, rows, (off, cnt) -> Elementwise.fill(x, cols, value, off, cnt), x);

        double[] ref = new double[x.length];
        java.util.Arrays.fill(ref, value);
        Tolerance.relative(0).assertClose(subject, x, ref, Tolerance.absOf(ref));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @MethodSource("shapes")
    void addColumnSumsAddsEachColumn(int rows, int cols) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(rows * cols);
        float[] initial = rnd.gaussian(cols, 0, 3);
        float[] sums = new float[cols];
        Subject subject = Subject.of("Elementwise.addColumnSums", "rows=" + rows + " cols=" + cols, rnd.seed());

        RowSlices.runFrom(subject, rnd, Elementwise.columnPanels(cols),
                (off, cnt) -> Elementwise.addColumnSums(x, sums, rows, cols, off, cnt), new float[][] {initial}, sums);

        double[] ref = new double[cols];
        double[] scale = new double[cols];
        for (int c = 0; c < cols; c++) {
            ref[c] = initial[c];
            scale[c] = Math.abs(initial[c]);
            for (int r = 0; r < rows; r++) {
                ref[c] += x[r * cols + c];
                scale[c] += Math.abs(x[r * cols + c]);
            }
        }
        Tolerance.FP32.assertClose(subject, sums, ref, scale);
    }
}
