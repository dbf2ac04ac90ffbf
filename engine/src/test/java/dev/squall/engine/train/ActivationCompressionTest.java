package dev.squall.engine.train;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activation compression in the trainer: close gradients, the same bits on any thread count, fewer saved bytes. */
class ActivationCompressionTest extends SharedJvmBackend {
    private static final int B = 3;
    private static final int T = 7;

    private static Gradients gradients(GptWeights w, TrainOptions.Attention a, Recompute r, ActivationCodec codec,
                                       JvmBackend backend, int[] batch) {
        try (GptTrainer t = new GptTrainer(TrainTesting.copy(w), TrainOptions.defaults(1).withAttention(a), r, codec,
                backend, B, T)) {
            return t.gradients(batch);
        }
    }

    /**
     * int8 (round to nearest, groups of 128: here whole rows) against fp32: the loss is the same (the forward does
     * not read the codes) and every gradient tensor within 3 % of its norm (measured: see the printed errors).
     */
    @Test
    void int8GradientsAreCloseToFp32() {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = TrainTesting.tiny(true);
        GptWeights w = TrainTesting.weights(config, rnd, 0.3, false);
        int[] batch = TrainTesting.batch(rnd, B, T, config.vocabSize());
        for (TrainOptions.Attention a : TrainOptions.Attention.values()) {
            for (Recompute r : List.of(Recompute.NONE, Recompute.SELECTIVE)) {
                Gradients exact = gradients(w, a, Recompute.NONE, ActivationCodec.NONE, backend, batch);
                Gradients int8 = gradients(w, a, r, ActivationCodec.INT8, backend, batch);
                assertEquals(exact.loss(), int8.loss(), a + " " + r);
                double worst = 0;
                for (String name : exact.gradients().keySet()) {
                    float[] x = (float[]) exact.gradients().get(name).data();
                    float[] y = (float[]) int8.gradients().get(name).data();
                    double diff = 0;
                    double norm = 0;
                    for (int i = 0; i < x.length; i++) {
                        diff += (x[i] - (double) y[i]) * (x[i] - (double) y[i]);
                        norm += (double) x[i] * x[i];
                    }
                    double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
                    worst = Math.max(worst, rel);
                    assertTrue(rel <= 0.03 || Math.sqrt(norm) < 1e-6, name + ": relative error " + rel + ", " + a + " "
                            + r + ", seed " + rnd.seed());
                }
                System.out.println("int8 " + a + " " + r + ": worst relative gradient error " + worst);
            }
        }
    }

    @Test
    void sameBitsOnOneAndTwoThreadsAndAcrossRuns() {
        TrainTesting.Start fx = TrainTesting.Start.tiny(3, B, T);
        RandomArrays rnd = fx.rnd();
        GptWeights start = fx.weights();
        List<int[]> data = fx.data();
        for (ActivationCodec codec : List.of(ActivationCodec.INT8, ActivationCodec.INT4, ActivationCodec.INT2)) {
            for (TrainOptions.Attention a : TrainOptions.Attention.values()) {
                TrainOptions o = TrainOptions.defaults(3).withLr(3e-2, 3e-3).withWarmup(1).withAttention(a);
                List<GptWeights> results = new ArrayList<>();
                List<List<Double>> losses = new ArrayList<>();
                try (JvmBackend one = new JvmBackend(1); JvmBackend two = new JvmBackend(2)) {
                    for (JvmBackend be : List.of(one, two, one)) {
                        GptWeights w = TrainTesting.copy(start);
                        List<Double> l = new ArrayList<>();
                        try (GptTrainer t = new GptTrainer(w, o, Recompute.SELECTIVE, codec, be, B, T)) {
                            for (int[] b : data) {
                                l.add(t.step(b).loss());
                            }
                        }
                        results.add(w);
                        losses.add(l);
                    }
                }
                String what = codec + " " + a + ", seed " + rnd.seed();
                assertEquals(losses.get(0), losses.get(1), what);
                assertEquals(losses.get(0), losses.get(2), what);
                for (String name : start.tensors().keySet()) {
                    assertArrayEquals(results.get(0).tensor(name), results.get(1).tensor(name), name + ", " + what);
                    assertArrayEquals(results.get(0).tensor(name), results.get(2).tensor(name), name + ", " + what);
                }
            }
        }
    }

    /** Saved bytes at the step's peak (GraphMemory) fall; the compressed tensors themselves ≥ 3.5× smaller (int8). */
    @Test
    void savedBytesShrink() {
        GptConfig config = GptConfig.of(65, 64, 6, 6, 96, true, 0.0);
        GptWeights w = GptWeights.random(config, 5);
        for (TrainOptions.Attention a : TrainOptions.Attention.values()) {
            TrainOptions o = TrainOptions.defaults(1).withAttention(a);
            long none;
            try (GptTrainer t = new GptTrainer(w, o, backend, 2, 64)) {
                none = t.memory().atPeak("saved/");
                assertEquals(0, t.compressedBytes()[0]);
            }
            for (ActivationCodec codec : List.of(ActivationCodec.INT8, ActivationCodec.INT4, ActivationCodec.INT2)) {
                try (GptTrainer t = new GptTrainer(w, o, Recompute.NONE, codec, backend, 2, 64)) {
                    long saved = t.memory().atPeak("saved/");
                    long[] k = t.compressedBytes();
                    double ratio = (double) k[1] / k[0];
                    System.out.printf("%s %s: saved at peak %d -> %d bytes (%.2fx); compressed tensors %.2fx%n", a,
                            codec, none, saved, (double) none / saved, ratio);
                    assertTrue(saved < none, a + " " + codec);
                    assertTrue(ratio >= (codec == ActivationCodec.INT8 ? 3.5 : codec == ActivationCodec.INT4 ? 6 : 10),
                            a + " " + codec + ": " + ratio);
                }
            }
        }
    }
}
