package dev.squall.tasks.optim;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link AdamW#update} against PyTorch's AdamW formula evaluated in float64 from the same float inputs
 * ({@code p·(1 − lr·wd) − lr/(1 − β1^t)·m'/(√v'/√(1 − β2^t) + ε)}, {@code m' = m + (1 − β1)(g − m)},
 * {@code v' = β2·v + (1 − β2)·g²}), at the first step of a fresh optimizer ({@code m = v = 0}), a second step and
 * step 1000, with and without weight decay, over chunks that do not divide the tensor.
 *
 * <p>Bounds: {@code 1e-5} of the sum of the magnitudes of each result's terms ({@code |β1·m| + |(1 − β1)·g|} for
 * m, {@code |β2·v| + (1 − β2)·g²} for v, {@code |p·decay| + |update|} for p): a few roundings each, and the
 * rounding of the schedule's scalars to float.
 */
class AdamWTest {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.95f;
    private static final float EPS = 1e-8f;

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of(1, 1, 1, 0.1f), Arguments.of(13, 4, 1, 0f), Arguments.of(1000, 7, 2, 0.1f),
                Arguments.of(4099, 1024, 1000, 0.1f), Arguments.of(4099, 1, 1000, 0f), Arguments.of(97, 13, 2, 0f));
    }

    @ParameterizedTest(name = "length={0} chunk={1} t={2} wd={3}")
    @MethodSource("cases")
    void oneUpdateAsPyTorchComputesIt(int length, int chunk, int t, float weightDecay) {
        RandomArrays rnd = RandomArrays.fresh();
        double lr = 1e-3 * (1 + rnd.nextDouble(0, 1));
        float[] grad = rnd.gaussian(length, 0, 0.01);
        grad[0] = 0f;
        float[] param0 = rnd.gaussian(length, 0, 0.2);
        boolean fresh = t == 1;
        float[] m0 = fresh ? new float[length] : rnd.gaussian(length, 0, 0.01);
        float[] v0 = fresh ? new float[length] : rnd.uniform(length, 0, 1e-4);
        float[] schedule = new float[AdamW.SCHEDULE];
        AdamW.schedule(schedule, lr, BETA1, BETA2, t);
        float[] param = new float[length];
        float[] m = new float[length];
        float[] v = new float[length];
        Subject subject = Subject.of("AdamW.update", "length=" + length + " chunk=" + chunk + " t=" + t + " wd="
                + weightDecay, rnd.seed());

        RowSlices.runFrom(subject, rnd, GradClip.chunks(length, chunk), (off, cnt) -> AdamW.update(grad, param, m, v,
                schedule, BETA1, BETA2, EPS, weightDecay, length, chunk, off, cnt), new float[][] {param0, m0, v0},
                param, m, v);

        double[] refP = new double[length];
        double[] refM = new double[length];
        double[] refV = new double[length];
        double[] scaleP = new double[length];
        double[] scaleM = new double[length];
        double[] scaleV = new double[length];
        double b1 = BETA1;
        double b2 = BETA2;
        double stepSize = lr / (1 - Math.pow(b1, t));
        double correction2 = Math.sqrt(1 - Math.pow(b2, t));
        double decay = 1 - (double) schedule[AdamW.LR] * weightDecay;
        for (int i = 0; i < length; i++) {
            double g = grad[i];
            refM[i] = b1 * m0[i] + (1 - b1) * g;
            scaleM[i] = Math.abs(b1 * m0[i]) + Math.abs((1 - b1) * g);
            refV[i] = b2 * v0[i] + (1 - b2) * g * g;
            scaleV[i] = refV[i];
            double update = stepSize * refM[i] / (Math.sqrt(refV[i]) / correction2 + EPS);
            refP[i] = param0[i] * decay - update;
            scaleP[i] = Math.abs(param0[i] * decay) + Math.abs(update);
        }
        Tolerance.FP32.assertClose(subject.with("m"), m, refM, scaleM);
        Tolerance.FP32.assertClose(subject.with("v"), v, refV, scaleV);
        Tolerance.FP32.assertClose(subject.with("param"), param, refP, scaleP);
    }
}
