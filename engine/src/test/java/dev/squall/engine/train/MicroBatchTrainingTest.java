package dev.squall.engine.train;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MicroBatchTrainingTest extends SharedJvmBackend {
    private static final int B = 6;
    private static final int T = 7;

    @Test
    void microBatchGradientsAreTheMeanOfTheMicroBatches() {
        RandomArrays rnd = RandomArrays.fresh();
        for (boolean untied : new boolean[] {false, true}) {
            GptConfig config = TrainTesting.tiny(!untied);
            GptWeights w = TrainTesting.weights(config, rnd, 0.3, untied);
            int[] batch = TrainTesting.batch(rnd, B, T, config.vocabSize());
            for (int m : new int[] {2, 3, 6}) {
                Gradients whole;
                Gradients micro;
                Gradients[] parts = new Gradients[m];
                try (GptTrainer one = new GptTrainer(w, TrainOptions.defaults(1), backend, B, T);
                     GptTrainer split = new GptTrainer(w, TrainOptions.defaults(1), backend, B, T, m);
                     GptTrainer small = new GptTrainer(w, TrainOptions.defaults(1), backend, B / m, T)) {
                    whole = one.gradients(batch);
                    micro = split.gradients(batch);
                    int rows = B / m * (T + 1);
                    for (int k = 0; k < m; k++) {
                        parts[k] = small.gradients(Arrays.copyOfRange(batch, k * rows, (k + 1) * rows));
                    }
                }
                // every micro-batch has B/m·T targets, so the mean of the micro-batches' means is the batch's mean
                assertEquals(whole.loss(), micro.loss(), 1e-5 * Math.abs(whole.loss()), "loss, M = " + m);
                for (String name : whole.gradients().keySet()) {
                    float[] g = (float[]) micro.gradients().get(name).data();
                    float[] ref = (float[]) whole.gradients().get(name).data();
                    double max = 0;
                    double err = 0;
                    for (int i = 0; i < g.length; i++) {
                        double mean = 0;
                        for (Gradients p : parts) {
                            mean += ((float[]) p.gradients().get(name).data())[i];
                        }
                        mean /= m;
                        max = Math.max(max, Math.abs(ref[i]));
                        err = Math.max(err, Math.max(Math.abs(g[i] - mean), Math.abs(g[i] - ref[i])));
                    }
                    assertTrue(err <= 1e-5 * max + 1e-7, name + ", M = " + m + ", untied " + untied + ": error " + err
                            + " of max " + max + ", seed " + rnd.seed());
                }
            }
        }
    }

    @Test
    void microBatchStepsAreBitIdenticalForOneAndTwoThreads() {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = TrainTesting.tiny(true);
        GptWeights w1 = TrainTesting.weights(config, rnd, 0.3, false);
        GptWeights w2 = TrainTesting.copy(w1);
        TrainOptions o = TrainOptions.defaults(3).withLr(3e-2, 3e-3).withWarmup(1);
        try (JvmBackend single = new JvmBackend(1); JvmBackend pair = new JvmBackend(2);
             GptTrainer a = new GptTrainer(w1, o, single, B, T, 3);
             GptTrainer b = new GptTrainer(w2, o, pair, B, T, 3)) {
            for (int s = 0; s < 3; s++) {
                int[] batch = TrainTesting.batch(rnd, B, T, config.vocabSize());
                assertEquals(a.step(batch).loss(), b.step(batch).loss(), "step " + s + ", seed " + rnd.seed());
            }
        }
        for (var e : w1.tensors().entrySet()) {
            assertArrayEquals((float[]) e.getValue().data(), w2.tensor(e.getKey()), e.getKey() + ", seed " + rnd.seed());
        }
    }

    @Test
    void microBatchesMustDivideTheBatch() {
        GptWeights w = TrainTesting.weights(TrainTesting.tiny(true), RandomArrays.fresh(), 0.3, false);
        for (int m : new int[] {0, 4, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new GptTrainer(w, TrainOptions.defaults(1), backend, B, T, m));
            assertTrue(e.getMessage().contains("micro-batches"), e.getMessage());
        }
        try (GptTrainer t = new GptTrainer(w, TrainOptions.defaults(1), backend, B, T, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.step(new int[B / 2 * (T + 1)]));
            assertTrue(e.getMessage().contains("batch must hold"), e.getMessage());
        }
    }
}
