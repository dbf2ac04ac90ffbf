package dev.squall.engine.train;

import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.NormKind;
import dev.squall.engine.model.PrepBnFold;
import dev.squall.engine.model.ReferenceGpt;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training a {@code "norm": "prepbn"} model: every parameter's gradient at λ = 1, 0.5 and 0 against central
 * differences of a float64 loss with training-mode norms ({@link ReferenceGpt#hidden} with λ; one sequence, so the
 * batch statistics are those of its tokens); the running statistics (untouched in the warm-up, PyTorch's momentum
 * update after it); a trained model folds ({@link PrepBnFold}) to the same logits.
 */
class PrepBnTrainingTest extends SharedJvmBackend {
    private static final int T = 7;
    /** λ(step): 1 for steps 0 .. 2; 1 − (step − 2)/4 after; 0 from step 6. */
    private static final int WARMUP = 2;
    private static final int STEPS = 4;

    /** Weights of {@link TrainTesting#weights} with running variances in [0.05, 1.05] (they draw them around 0). */
    private static GptWeights weights(GptConfig config, RandomArrays rnd, boolean untied) {
        GptWeights w = TrainTesting.weights(config, rnd, 0.4, untied);
        w.tensors().forEach((name, t) -> {
            if (name.endsWith(".running_var")) {
                float[] v = t.toFloats();
                for (int i = 0; i < v.length; i++) {
                    v[i] = 0.05f + (float) rnd.nextDouble(0, 1);
                }
            }
        });
        return w;
    }

    private static GptConfig config(boolean bias) {
        return TrainTesting.tiny(bias).withNorm(NormKind.PREPBN, WARMUP, STEPS);
    }

    @ParameterizedTest
    @CsvSource({"0, true", "4, false", "6, true", "9, false"})
    void gradientsMatchFloat64FiniteDifferences(int step, boolean bias) {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = config(bias);
        GptWeights w = weights(config, rnd, !bias);
        int[] batch = TrainTesting.batch(rnd, 1, T, config.vocabSize());
        double lambda = config.prepbnLambda(step);
        Map<String, double[]> p = ReferenceGpt.doubles(w);
        Gradients got;
        try (GptTrainer trainer = new GptTrainer(w, TrainOptions.defaults(20), backend, 1, T)) {
            trainer.restore(atStep(trainer, step));
            got = trainer.gradients(batch);
        }
        double want = loss(config, p, batch, lambda);
        assertEquals(want, got.loss(), 2e-6 * Math.abs(want), "loss, seed " + rnd.seed());
        double h = 1e-5;
        double worst = 0;
        for (Map.Entry<String, double[]> e : p.entrySet()) {
            if (Parameters.isBuffer(e.getKey())) {
                continue;
            }
            double[] a = e.getValue();
            float[] have = (float[]) got.gradients().get(e.getKey()).data();
            double max = 0;
            double err = 0;
            for (int i = 0; i < a.length; i++) {
                double keep = a[i];
                a[i] = keep + h;
                double up = loss(config, p, batch, lambda);
                a[i] = keep - h;
                double down = loss(config, p, batch, lambda);
                a[i] = keep;
                double g = (up - down) / (2 * h);
                max = Math.max(max, Math.abs(g));
                err = Math.max(err, Math.abs(g - have[i]));
            }
            worst = Math.max(worst, max == 0 ? 0 : err / max);
            assertTrue(err <= 1e-4 * max + 1e-7, e.getKey() + " at lambda " + lambda + ": max error " + err
                    + " against max |grad| " + max + ", seed " + rnd.seed());
        }
        System.out.printf("prepbn lambda=%s: worst max error / max |grad| %.2e%n", lambda, worst);
    }

    @Test
    void runningStatisticsFollowTheMixtureOnly() {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = config(true);
        GptWeights w = weights(config, rnd, false);
        String mean = GptWeights.LN_F + ".bn.running_mean";
        try (GptTrainer trainer = new GptTrainer(w, TrainOptions.defaults(20), backend, 2, T)) {
            float[] before = w.tensors().get(mean).toFloats().clone();
            for (int k = 0; k <= WARMUP; k++) {     // lambda(WARMUP) is still 1
                trainer.step(TrainTesting.batch(rnd, 2, T, config.vocabSize()));
            }
            assertArrayEquals(before, w.tensors().get(mean).toFloats(), "untouched in the warm-up");
            trainer.step(TrainTesting.batch(rnd, 2, T, config.vocabSize()));
            float[] after = w.tensors().get(mean).toFloats();
            boolean moved = false;
            for (int i = 0; i < after.length; i++) {
                moved |= after[i] != before[i];
            }
            assertTrue(moved, "updated once lambda < 1, seed " + rnd.seed());
        }
    }

    @Test
    void aTrainedModelFoldsToTheSameLogits() {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = config(false);
        GptWeights w = weights(config, rnd, false);
        try (GptTrainer trainer = new GptTrainer(w, TrainOptions.defaults(20), backend, 2, T)) {
            for (int k = 0; k < WARMUP + STEPS + 2; k++) {
                trainer.step(TrainTesting.batch(rnd, 2, T, config.vocabSize()));
            }
        }
        int[] tokens = TrainTesting.batch(rnd, 1, T - 1, config.vocabSize());
        GptModel.Options o = GptModel.Options.defaults().withBackend(backend);
        float[] a;
        float[] b;
        try (GptModel m = GptModel.of(w, o); GptModel f = GptModel.of(PrepBnFold.fold(w), o)) {
            a = m.logits(tokens);
            b = f.logits(tokens);
        }
        double scale = 0;
        for (float v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-5 * scale, "logit " + i + ", seed " + rnd.seed());
        }
    }

    private static OptimizerState atStep(GptTrainer trainer, long step) {
        OptimizerState s = trainer.optimizerState();
        return new OptimizerState(step, s.expAvg(), s.expAvgSq());
    }

    /** Mean cross-entropy of one sequence with training-mode norms at {@code lambda}, in float64. */
    private static double loss(GptConfig c, Map<String, double[]> p, int[] batch, double lambda) {
        int e = c.nEmbd();
        int v = c.vocabSize();
        double[] head = ReferenceGpt.head(p);
        double[][] f = ReferenceGpt.hidden(c, p, batch, 0, T, lambda);
        double sum = 0;
        for (int j = 0; j < T; j++) {
            double[] z = new double[v];
            double max = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < v; o++) {
                for (int k = 0; k < e; k++) {
                    z[o] += f[j][k] * head[o * e + k];
                }
                max = Math.max(max, z[o]);
            }
            double s = 0;
            for (double x : z) {
                s += Math.exp(x - max);
            }
            sum += max + Math.log(s) - z[batch[j + 1]];
        }
        return sum / T;
    }

}
