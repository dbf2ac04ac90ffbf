package dev.squall.tasks.softmax;

import dev.squall.tasks.norm.NormReference;
import dev.squall.tasks.testing.FiniteDifferences;
import dev.squall.tasks.testing.Poison;
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
 * {@link Distillation#distillation} against float64: per row {@code τ²·Σ p(log p − log q)} with
 * {@code p = softmax(t/τ)}, {@code q = softmax(s/τ)}, the gradient mixed into random cross-entropy-like values
 * {@code (1 − a)·start + a·τ·(q − p)/count}, and the mean by {@link CrossEntropy#meanLoss}; about a fifth of the
 * rows ignored, rows of logits around ±1e4 (student and teacher on different offsets) included. The float64
 * gradient is checked against central differences of the float64 mean loss.
 *
 * <p>Bounds, {@code 1e-5} of: the loss, {@code τ²·Σ_c p_c·(|log p_c| + |log q_c| + |s_c/τ| + |t_c/τ| + 1)} (the
 * rounding of {@code z/τ} is an absolute error of the log-probabilities proportional to {@code |z/τ|}); the
 * gradient, {@code |(1 − a)·start| + a·τ·(p + q)·(|s/τ| + |t/τ| + 1)/count}; the mean, {@code Σ|loss_i|/count}.
 * Ignored rows: loss exactly 0, gradient exactly {@code (1 − a)·start}.
 */
class DistillationTest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1, 1.0), Arguments.of(7, 2, 2.0), Arguments.of(13, 65, 0.7),
                Arguments.of(97, 31, 4.0), Arguments.of(5, 1000, 2.0), Arguments.of(64, 257, 1.0));
    }

    @ParameterizedTest(name = "rows={0} vocab={1} tau={2}")
    @MethodSource("shapes")
    void lossGradientAndMean(int rows, int vocab, double tauD) {
        RandomArrays rnd = RandomArrays.fresh();
        float tau = (float) tauD;
        float alpha = (float) rnd.nextDouble(0, 1);
        float[] student = rnd.gaussian(rows * vocab, 0, 3);
        float[] teacher = rnd.gaussian(rows * vocab, 0, 3);
        for (int r = 1; r < rows; r += 3) {
            for (int c = 0; c < vocab; c++) {
                student[r * vocab + c] += r % 2 == 0 ? 1e4f : -1e4f;
                teacher[r * vocab + c] += 2e4f;
            }
        }
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = r > 0 && rnd.chance(0.2) ? CrossEntropy.IGNORE : rnd.nextInt(0, vocab - 1);
        }
        int[] count = new int[1];
        CrossEntropy.countTargets(targets, count, rows, 0, 1);
        float[] start = rnd.gaussian(rows * vocab, 0, 0.1);
        float[] losses = new float[rows];
        float[] grad = new float[rows * vocab];
        Subject subject = Subject.of("Distillation.distillation",
                "rows=" + rows + " vocab=" + vocab + " tau=" + tau + " alpha=" + alpha, rnd.seed());
        RowSlices.runFrom(subject, rnd, rows, (off, cnt) -> Distillation.distillation(student, teacher, targets, count,
                losses, grad, vocab, tau, alpha, off, cnt), new float[][] {Poison.array(rows), start}, losses, grad);
        float[] mean = new float[1];
        CrossEntropy.meanLoss(losses, count, mean, rows, 0, 1);

        double[] refLoss = new double[rows];
        double[] lossScale = new double[rows];
        double[] refGrad = new double[rows * vocab];
        double[] gradScale = new double[rows * vocab];
        double sum = 0;
        double absSum = 0;
        for (int r = 0; r < rows; r++) {
            double[] logP = logSoftmax(teacher, r, vocab, tau);
            double[] logQ = logSoftmax(student, r, vocab, tau);
            boolean ignored = targets[r] == CrossEntropy.IGNORE;
            for (int c = 0; c < vocab; c++) {
                int i = r * vocab + c;
                double p = Math.exp(logP[c]);
                double q = Math.exp(logQ[c]);
                double zs = Math.abs(student[i] / tau);
                double zt = Math.abs(teacher[i] / tau);
                double w = ignored ? 0 : (double) alpha * tau / count[0];
                refGrad[i] = (1 - (double) alpha) * start[i] + w * (q - p);
                gradScale[i] = Math.abs((1 - (double) alpha) * start[i]) + w * (p + q) * (zs + zt + 1);
                if (!ignored) {
                    refLoss[r] += (double) tau * tau * p * (logP[c] - logQ[c]);
                    lossScale[r] += (double) tau * tau * p * (Math.abs(logP[c]) + Math.abs(logQ[c]) + zs + zt + 1);
                }
            }
            sum += ignored ? 0 : losses[r];
            absSum += Math.abs(losses[r]);
        }
        Tolerance.FP32.assertClose(subject.with("losses"), losses, refLoss, lossScale);
        Tolerance.FP32.assertClose(subject.rowsOf(vocab).with("dStudent"), grad, refGrad, gradScale);
        Tolerance.FP32.assertClose(subject.with("CrossEntropy.meanLoss"), mean, new double[] {sum / count[0]},
                new double[] {absSum / count[0]});
    }

    @Test
    void referenceGradientMatchesFiniteDifferences() {
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 4;
        int vocab = 6;
        float tau = 1.7f;
        int[] targets = {2, CrossEntropy.IGNORE, 0, 5};
        float[] student = rnd.gaussian(rows * vocab, 0, 2);
        float[] teacher = rnd.gaussian(rows * vocab, 0, 2);
        double[] analytic = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            double[] logP = logSoftmax(teacher, r, vocab, tau);
            double[] logQ = logSoftmax(student, r, vocab, tau);
            for (int c = 0; c < vocab; c++) {
                analytic[r * vocab + c] = targets[r] == CrossEntropy.IGNORE ? 0
                        : tau * (Math.exp(logQ[c]) - Math.exp(logP[c])) / 3;
            }
        }
        double[] s = NormReference.toDouble(student);
        double[] differences = FiniteDifferences.gradient(v -> {
            double loss = 0;
            for (int r = 0; r < rows; r++) {
                if (targets[r] == CrossEntropy.IGNORE) {
                    continue;
                }
                double[] logP = logSoftmax(teacher, r, vocab, tau);
                double[] logQ = logSoftmax(v, r, vocab, tau);
                for (int c = 0; c < vocab; c++) {
                    loss += (double) tau * tau * Math.exp(logP[c]) * (logP[c] - logQ[c]);
                }
            }
            return loss / 3;
        }, s, 1e-5);
        FiniteDifferences.assertMatches(Subject.of("float64 distillation gradient", "rows=4 vocab=6", rnd.seed()),
                analytic, differences, 1e-7);
    }

    private static double[] logSoftmax(float[] z, int row, int vocab, double tau) {
        return logSoftmax(NormReference.toDouble(z), row, vocab, tau);
    }

    /** {@code log softmax(z[row]/τ)} in float64. */
    private static double[] logSoftmax(double[] z, int row, int vocab, double tau) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < vocab; c++) {
            max = Math.max(max, z[row * vocab + c] / tau);
        }
        double sum = 0;
        for (int c = 0; c < vocab; c++) {
            sum += Math.exp(z[row * vocab + c] / tau - max);
        }
        double[] out = new double[vocab];
        for (int c = 0; c < vocab; c++) {
            out[c] = z[row * vocab + c] / tau - max - Math.log(sum);
        }
        return out;
    }
}
