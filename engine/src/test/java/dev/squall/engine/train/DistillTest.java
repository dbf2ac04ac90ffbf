package dev.squall.engine.train;

import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.ReferenceGpt;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GptTrainer#distill}: the combined loss {@code α·τ²·KL + (1 − α)·CE} and every parameter's gradient against
 * central differences of an independent float64 loss (the float64 forward of {@link ReferenceGpt}, PyTorch's
 * batchmean KL over the non-ignored tokens); α = 0 is plain training bit for bit; a teacher of another vocabulary is
 * refused.
 */
class DistillTest extends SharedJvmBackend {
    private static final int B = 3;
    private static final int T = 7;

    /** A teacher returning fixed logits (spread ~2), whatever the tokens. */
    private static Teacher fixed(float[] logits, int vocab) {
        return new Teacher() {
            @Override
            public int vocabSize() {
                return vocab;
            }

            @Override
            public float[] logits(int[] tokens, int batch, int length) {
                return logits.clone();
            }
        };
    }

    @ParameterizedTest
    @CsvSource({"2.0, 0.7, true", "0.5, 0.3, false", "1.0, 1.0, true"})
    void gradientsMatchFloat64FiniteDifferences(float tau, float alpha, boolean bias) {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = TrainTesting.tiny(bias);
        GptWeights w = TrainTesting.weights(config, rnd, 0.4, !bias);
        int v = config.vocabSize();
        int[] batch = TrainTesting.batch(rnd, B, T, v);
        batch[2 * (T + 1) - 1] = -1;
        float[] teacher = rnd.gaussian(B * T * v, 0, 2);
        Map<String, double[]> p = ReferenceGpt.doubles(w);
        Gradients got;
        try (GptTrainer trainer = new GptTrainer(w, TrainOptions.defaults(10), backend, B, T)) {
            got = trainer.distill(new Distill(fixed(teacher, v), tau, alpha)).gradients(batch);
        }
        double want = loss(config, p, batch, teacher, tau, alpha);
        assertEquals(want, got.loss(), 2e-6 * Math.abs(want), "loss, seed " + rnd.seed());
        double worst = 0;
        double h = 1e-5;
        for (Map.Entry<String, double[]> e : p.entrySet()) {
            double[] a = e.getValue();
            float[] have = (float[]) got.gradients().get(e.getKey()).data();
            double max = 0;
            double err = 0;
            for (int i = 0; i < a.length; i++) {
                double keep = a[i];
                a[i] = keep + h;
                double up = loss(config, p, batch, teacher, tau, alpha);
                a[i] = keep - h;
                double down = loss(config, p, batch, teacher, tau, alpha);
                a[i] = keep;
                double g = (up - down) / (2 * h);
                max = Math.max(max, Math.abs(g));
                err = Math.max(err, Math.abs(g - have[i]));
            }
            worst = Math.max(worst, err / max);
            assertTrue(err <= 1e-4 * max + 1e-7, e.getKey() + ": max error " + err + " against max |grad| " + max
                    + ", seed " + rnd.seed());
        }
        System.out.printf("distillation tau=%s alpha=%s: worst max error / max |grad| %.2e%n", tau, alpha, worst);
    }

    @Test
    void alphaZeroIsPlainTrainingBitForBit() {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = TrainTesting.tiny(true);
        GptWeights plain = TrainTesting.weights(config, rnd, 0.4, false);
        GptWeights distilled = TrainTesting.copy(plain);
        int v = config.vocabSize();
        float[] teacher = rnd.gaussian(B * T * v, 0, 2);
        try (GptTrainer a = new GptTrainer(plain, TrainOptions.defaults(4), backend, B, T);
             GptTrainer b = new GptTrainer(distilled, TrainOptions.defaults(4), backend, B, T)) {
            b.distill(new Distill(fixed(teacher, v), 2f, 0f));
            for (int k = 0; k < 4; k++) {
                int[] batch = TrainTesting.batch(rnd, B, T, v);
                StepResult ra = a.step(batch);
                StepResult rb = b.step(batch);
                assertEquals(ra.loss(), rb.loss(), "loss of step " + k + ", seed " + rnd.seed());
                assertEquals(ra.gradNorm(), rb.gradNorm(), "grad norm of step " + k + ", seed " + rnd.seed());
                assertTrue(b.lastDistillationLoss() > 0, "the KD term is still computed");
            }
        }
        plain.tensors().forEach((name, t) -> assertArrayEquals((float[]) t.data(),
                (float[]) distilled.tensors().get(name).data(), name + ", seed " + rnd.seed()));
    }

    @Test
    void refusesAnotherVocabularyAndBadSettings() {
        GptConfig config = TrainTesting.tiny(true);
        GptWeights w = TrainTesting.weights(config, RandomArrays.fresh(), 0.4, false);
        try (GptTrainer trainer = new GptTrainer(w, TrainOptions.defaults(4), backend, B, T)) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.distill(new Distill(fixed(new float[0], 12), 1f, 0.5f)));
            assertTrue(e.getMessage().contains("vocab_size 12"), e.getMessage());
        }
        Teacher t = fixed(new float[0], 11);
        assertThrows(IllegalArgumentException.class, () -> new Distill(t, 0f, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new Distill(t, 1f, 1.5f));
        assertThrows(IllegalArgumentException.class, () -> new Distill(t, Float.NaN, 0.5f));
    }

    /** {@code α·τ²·mean KL(p ‖ q) + (1 − α)·mean CE} over the tokens whose target is not −1, in float64. */
    private static double loss(GptConfig c, Map<String, double[]> p, int[] batch, float[] teacher, double tau,
                               double alpha) {
        int e = c.nEmbd();
        int v = c.vocabSize();
        double[] head = ReferenceGpt.head(p);
        double ce = 0;
        double kd = 0;
        int count = 0;
        for (int s = 0; s < B; s++) {
            double[][] f = ReferenceGpt.hidden(c, p, batch, s * (T + 1), T);
            for (int j = 0; j < T; j++) {
                int target = batch[s * (T + 1) + j + 1];
                if (target == -1) {
                    continue;
                }
                double[] z = new double[v];
                double[] t = new double[v];
                for (int o = 0; o < v; o++) {
                    for (int k = 0; k < e; k++) {
                        z[o] += f[j][k] * head[o * e + k];
                    }
                    t[o] = teacher[(s * T + j) * v + o];
                }
                double[] logQ = logSoftmax(z, 1);
                ce -= logQ[target];
                double[] logQt = logSoftmax(z, tau);
                double[] logP = logSoftmax(t, tau);
                for (int o = 0; o < v; o++) {
                    kd += Math.exp(logP[o]) * (logP[o] - logQt[o]);
                }
                count++;
            }
        }
        return alpha * tau * tau * kd / count + (1 - alpha) * ce / count;
    }

    private static double[] logSoftmax(double[] z, double tau) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : z) {
            max = Math.max(max, x / tau);
        }
        double sum = 0;
        for (double x : z) {
            sum += Math.exp(x / tau - max);
        }
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] / tau - max - Math.log(sum);
        }
        return out;
    }
}
