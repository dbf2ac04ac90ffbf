package dev.squall.tornado;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.Gradients;
import dev.squall.engine.train.StepResult;
import dev.squall.engine.train.TrainOptions;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Training steps of a tiny GPT (vocab 13, block 8, 2 layers, 2 heads of 4, no biases, B=2, T=8, fused attention)
 * on TornadoVM against the JVM backend (plain kernels): the gradients of a batch (per tensor within
 * {@code 1e-5 · max |grad|}), then three AdamW steps with clipping (losses and gradient norms within 1e-5 relative,
 * weights within {@code 1e-5 · max(1, |w|)}). Per-step scalars (learning rate, bias corrections, clip coefficient)
 * travel in arrays, so one compiled plan serves every step. No biases: a key bias's gradient is zero in exact
 * arithmetic, and AdamW turns the sign of its rounding noise into a step of ±lr that would differ between devices.
 */
class TrainingOnTornadoTest {
    private static final int B = 2;
    private static final int T = 8;

    @Test
    void stepsMatchTheJvmBackend() {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        GptConfig config = GptConfig.of(13, T, 2, 2, 8, false, 0.0);
        GptWeights onJvm = GptWeights.random(config, seed);
        GptWeights onDevice = copy(onJvm);
        RandomArrays r = RandomArrays.withSeed(seed);
        int[][] batches = new int[4][B * (T + 1)];
        for (int[] b : batches) {
            for (int i = 0; i < b.length; i++) {
                b[i] = r.nextInt(0, config.vocabSize() - 1);
            }
        }
        TrainOptions o = TrainOptions.defaults(3).withLr(1e-3, 1e-4).withWarmup(1);
        try (JvmBackend jvm = new JvmBackend(2, FastPaths.none());
             GptTrainer reference = new GptTrainer(onJvm, o, jvm, B, T);
             GptTrainer device = new GptTrainer(onDevice, o, tornado, B, T)) {
            Gradients want = reference.gradients(batches[0]);
            Gradients got = device.gradients(batches[0]);
            assertEquals(want.loss(), got.loss(), 1e-5 * Math.abs(want.loss()), "loss, seed " + seed);
            StringBuilder bad = new StringBuilder();
            for (String name : want.gradients().keySet()) {
                float[] x = (float[]) want.gradients().get(name).data();
                float[] y = (float[]) got.gradients().get(name).data();
                double max = 0;
                double err = 0;
                for (int i = 0; i < x.length; i++) {
                    max = Math.max(max, Math.abs(x[i]));
                    err = Math.max(err, Math.abs(x[i] - y[i]));
                }
                if (!(err <= 1e-5 * max)) {
                    bad.append(String.format("%n  %s: max error %.3e, max |grad| %.3e", name, err, max));
                }
            }
            assertEquals("", bad.toString(), "gradients beyond 1e-5·max|grad|, seed " + seed);
            for (int k = 1; k < batches.length; k++) {
                StepResult a = reference.step(batches[k]);
                StepResult b = device.step(batches[k]);
                assertEquals(a.loss(), b.loss(), 1e-5 * Math.abs(a.loss()), "step " + k + " loss, seed " + seed);
                assertEquals(a.gradNorm(), b.gradNorm(), 1e-5 * a.gradNorm(), "step " + k + " norm, seed " + seed);
                assertEquals(a.lr(), b.lr());
            }
        }
        for (String name : onJvm.tensors().keySet()) {
            float[] x = onJvm.tensor(name);
            float[] y = onDevice.tensor(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-5 * Math.max(1, Math.abs(x[i])), name + "[" + i + "], seed " + seed);
            }
        }
    }

    private static GptWeights copy(GptWeights w) {
        Map<String, NdArray> m = new LinkedHashMap<>();
        w.tensors().forEach((k, t) -> m.put(k, NdArray.of(((float[]) t.data()).clone(), t.shape())));
        return GptWeights.of(w.config(), m);
    }
}
