package dev.squall.tasks.softmax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.testing.FiniteDifferences;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CrossEntropy} against float64: per-row loss {@code logsumexp(x) − x_t}, gradient {@code (softmax − onehot)/count}
 * and the mean over the targets that are not −1 (about a fifth of them ignored here, rows of logits around ±1e4
 * included). The float64 gradient is checked against central differences of the float64 mean loss.
 *
 * <p>Bounds, {@code 1e-5} of: the loss, {@code |max| + |x_t| + 1} (the sum of exponentials is positive, so its
 * relative error, an absolute error of its log, is a few roundings per term at most); the gradient,
 * {@code (p_c + [c = t])/count}; the mean, {@code Σ|loss_i|/count} (compensated sum). Ignored rows: loss and
 * gradient exactly 0.
 */
class CrossEntropyTest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(7, 2), Arguments.of(13, 65), Arguments.of(97, 31),
                Arguments.of(5, 1000), Arguments.of(64, 257));
    }

    @ParameterizedTest(name = "rows={0} vocab={1}")
    @MethodSource("shapes")
    void lossGradientAndMean(int rows, int vocab) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] logits = rnd.gaussian(rows * vocab, 0, 3);
        for (int i = vocab; i < logits.length; i += 3 * vocab) {
            for (int c = 0; c < vocab; c++) {
                logits[i + c] += i % 2 == 0 ? 1e4f : -1e4f;
            }
        }
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = r > 0 && rnd.chance(0.2) ? CrossEntropy.IGNORE : rnd.nextInt(0, vocab - 1);
        }
        int[] count = {-5};
        CrossEntropy.countTargets(targets, count, rows, 0, 1);
        float[] losses = new float[rows];
        float[] dLogits = new float[rows * vocab];
        float[] mean = new float[1];
        Subject subject = Subject.of("CrossEntropy.softmaxCrossEntropy", "rows=" + rows + " vocab=" + vocab, rnd.seed());

        RowSlices.run(subject, rnd, rows,
                (off, cnt) -> CrossEntropy.softmaxCrossEntropy(logits, targets, count, losses, dLogits, vocab, off, cnt),
                losses, dLogits);
        CrossEntropy.meanLoss(losses, count, mean, rows, 0, 1);

        int valid = 0;
        for (int t : targets) {
            valid += t == CrossEntropy.IGNORE ? 0 : 1;
        }
        assertEquals(valid, count[0], subject + ": count of valid targets");
        double[] p = SoftmaxReference.softmax(logits, rows, vocab);
        double[] refLoss = new double[rows];
        double[] lossScale = new double[rows];
        double[] refGrad = new double[rows * vocab];
        double[] gradScale = new double[rows * vocab];
        double sum = 0;
        double absSum = 0;
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t == CrossEntropy.IGNORE) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                max = Math.max(max, logits[r * vocab + c]);
            }
            refLoss[r] = -Math.log(p[r * vocab + t]);
            lossScale[r] = Math.abs(max) + Math.abs(logits[r * vocab + t]) + 1;
            for (int c = 0; c < vocab; c++) {
                refGrad[r * vocab + c] = (p[r * vocab + c] - (c == t ? 1 : 0)) / valid;
                gradScale[r * vocab + c] = (p[r * vocab + c] + (c == t ? 1 : 0)) / valid;
            }
            sum += losses[r];
            absSum += Math.abs(losses[r]);
        }
        Tolerance.FP32.assertClose(subject.with("losses"), losses, refLoss, lossScale);
        Tolerance.FP32.assertClose(subject.rowsOf(vocab).with("dLogits"), dLogits, refGrad, gradScale);
        Tolerance.FP32.assertClose(subject.with("CrossEntropy.meanLoss"), mean, new double[] {sum / valid},
                new double[] {absSum / valid});
    }

    @Test
    void everyTargetIgnoredGivesNaNLossAndZeroGradients() {
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 5;
        int vocab = 11;
        float[] logits = rnd.gaussian(rows * vocab);
        int[] targets = {-1, -1, -1, -1, -1};
        int[] count = new int[1];
        float[] losses = new float[rows];
        float[] dLogits = new float[rows * vocab];
        float[] mean = new float[1];
        CrossEntropy.countTargets(targets, count, rows, 0, 1);
        CrossEntropy.softmaxCrossEntropy(logits, targets, count, losses, dLogits, vocab, 0, rows);
        CrossEntropy.meanLoss(losses, count, mean, rows, 0, 1);
        assertEquals(0, count[0]);
        assertTrue(Float.isNaN(mean[0]), "mean over no target: " + mean[0]);
        for (float g : dLogits) {
            assertEquals(0f, g);
        }
        for (float l : losses) {
            assertEquals(0f, l);
        }
    }

    @Test
    void referenceGradientMatchesFiniteDifferences() {
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 4;
        int vocab = 6;
        int[] targets = {2, CrossEntropy.IGNORE, 0, 5};
        float[] logits = rnd.gaussian(rows * vocab, 0, 2);
        double[] p = SoftmaxReference.softmax(logits, rows, vocab);
        double[] analytic = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < vocab; c++) {
                analytic[r * vocab + c] = targets[r] == CrossEntropy.IGNORE ? 0
                        : (p[r * vocab + c] - (c == targets[r] ? 1 : 0)) / 3;
            }
        }
        double[] x = new double[logits.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = logits[i];
        }
        double[] differences = FiniteDifferences.gradient(v -> {
            double loss = 0;
            for (int r = 0; r < rows; r++) {
                if (targets[r] == CrossEntropy.IGNORE) {
                    continue;
                }
                double sum = 0;
                for (int c = 0; c < vocab; c++) {
                    sum += Math.exp(v[r * vocab + c]);
                }
                loss += Math.log(sum) - v[r * vocab + targets[r]];
            }
            return loss / 3;
        }, x, 1e-5);
        FiniteDifferences.assertMatches(Subject.of("float64 cross-entropy gradient", "rows=4 vocab=6", rnd.seed()),
                analytic, differences, 1e-7);
    }
}
