package dev.squall.engine.train;

import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptTrainerTest extends SharedJvmBackend {
    private static final int B = 3;
    private static final int T = 7;

    private static TrainOptions options(int steps) {
        return TrainOptions.defaults(steps).withLr(3e-2, 3e-3).withWarmup(2);
    }

    /** {@code steps} steps from {@code w} on {@code batches}, returning the losses. */
    private static List<Double> train(GptWeights w, TrainOptions o, JvmBackend backend, List<int[]> batches) {
        List<Double> losses = new ArrayList<>();
        try (GptTrainer trainer = new GptTrainer(w, o, backend, B, T)) {
            for (int[] b : batches) {
                losses.add(trainer.step(b).loss());
            }
        }
        return losses;
    }

    private static List<int[]> batches(RandomArrays rnd, int n, int vocab) {
        List<int[]> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(TrainTesting.batch(rnd, B, T, vocab));
        }
        return list;
    }

    /** Random weights of the tiny config with biases, and {@code n} batches, from {@code rnd}. */
    private record Fixture(RandomArrays rnd, GptConfig config, GptWeights weights, List<int[]> data) {
        static Fixture of(int n) {
            RandomArrays rnd = RandomArrays.fresh();
            GptConfig config = TrainTesting.tiny(true);
            GptWeights w = TrainTesting.weights(config, rnd, 0.3, false);
            return new Fixture(rnd, config, w, batches(rnd, n, config.vocabSize()));
        }
    }

    @Test
    void oneAndTwoThreadsGiveTheSameBits() {
        Fixture fx = Fixture.of(6);
        RandomArrays rnd = fx.rnd();
        GptWeights w1 = fx.weights();
        GptWeights w2 = TrainTesting.copy(w1);
        GptWeights w3 = TrainTesting.copy(w1);
        List<int[]> data = fx.data();
        for (TrainOptions.Attention a : TrainOptions.Attention.values()) {
            TrainOptions o = options(6).withAttention(a);
            List<Double> one;
            List<Double> two;
            try (JvmBackend single = new JvmBackend(1); JvmBackend pair = new JvmBackend(2)) {
                one = train(w1, o, single, data);
                two = train(w2, o, pair, data);
            }
            List<Double> again = train(w3, o, backend, data);
            assertEquals(one, two, a + ": losses, seed " + rnd.seed());
            assertEquals(one, again, a + ": losses of a second run, seed " + rnd.seed());
            for (String name : w1.tensors().keySet()) {
                assertArrayEquals(w1.tensor(name), w2.tensor(name), a + ": " + name + ", seed " + rnd.seed());
                assertArrayEquals(w1.tensor(name), w3.tensor(name), a + ": " + name + ", seed " + rnd.seed());
            }
        }
    }

    @Test
    void fusedAndUnfusedAttentionAgree() {
        Fixture fx = Fixture.of(5);
        RandomArrays rnd = fx.rnd();
        GptWeights fused = fx.weights();
        GptWeights unfused = TrainTesting.copy(fused);
        List<int[]> data = fx.data();
        Gradients gf;
        Gradients gu;
        try (GptTrainer f = new GptTrainer(TrainTesting.copy(fused), options(1), backend, B, T);
             GptTrainer u = new GptTrainer(TrainTesting.copy(fused),
                     options(1).withAttention(TrainOptions.Attention.UNFUSED), backend, B, T)) {
            gf = f.gradients(data.get(0));
            gu = u.gradients(data.get(0));
        }
        // the same gradients in two fp32 evaluation orders: per tensor within 1e-5·max|grad| + 1e-8
        for (String name : gf.gradients().keySet()) {
            float[] x = (float[]) gf.gradients().get(name).data();
            float[] y = (float[]) gu.gradients().get(name).data();
            double max = 0;
            for (float v : x) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-5 * max + 1e-8, name + "[" + i + "], seed " + rnd.seed());
            }
        }
        // five steps: losses within 1e-4 relative (weights are not compared: AdamW turns the rounding noise of
        // gradients that are exactly zero in exact arithmetic, such as the key bias's, into steps of ±lr)
        List<Double> a = train(fused, options(5).withAttention(TrainOptions.Attention.FUSED), backend, data);
        List<Double> b = train(unfused, options(5).withAttention(TrainOptions.Attention.UNFUSED), backend, data);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), b.get(i), 1e-4 * Math.abs(a.get(i)), "step " + i + ", seed " + rnd.seed());
        }
    }

    @Test
    void updateIsPyTorchAdamWWithClippingAndDecayOnMatricesOnly() {
        Fixture fx = Fixture.of(1);
        GptWeights w = fx.weights();
        GptWeights before = TrainTesting.copy(w);
        int[] batch = fx.data().get(0);
        double lr = 1e-2;
        double wd = 0.1;
        double clip = 0.05;   // below the gradient norm: clipping is active
        TrainOptions o = new TrainOptions(lr, lr, wd, 0.9, 0.95, 1e-8, clip, 0, 10, TrainOptions.Schedule.CONSTANT,
                TrainOptions.Attention.FUSED, 1);
        try (GptTrainer trainer = new GptTrainer(w, o, backend, B, T)) {
            Gradients g = trainer.gradients(batch);
            StepResult r = trainer.step(batch);
            assertEquals(g.loss(), r.loss());
            assertEquals(lr, r.lr());
            double total = 0;
            for (NdArray t : g.gradients().values()) {
                for (float v : (float[]) t.data()) {
                    total += (double) v * v;
                }
            }
            total = Math.sqrt(total);
            assertEquals(total, r.gradNorm(), 1e-5 * total);
            assertTrue(total > clip, "the test wants clipping active: norm " + total);
            double coef = Math.min(1, clip / (total + 1e-6));
            for (Map.Entry<String, NdArray> e : g.gradients().entrySet()) {
                float[] grad = (float[]) e.getValue().data();
                float[] p0 = before.tensor(e.getKey());
                float[] p1 = w.tensor(e.getKey());
                double decay = e.getValue().shape().length >= 2 ? wd : 0;
                for (int i = 0; i < grad.length; i++) {
                    double gi = grad[i] * coef;
                    double m = 0.1 * gi;
                    double v = 0.05 * gi * gi;
                    double want = p0[i] * (1 - lr * decay) - lr / 0.1 * m / (Math.sqrt(v) / Math.sqrt(0.05) + 1e-8);
                    // fp32 update; |Δp| ≈ lr, so the bound is a few ulps of lr and of p
                    assertEquals(want, p1[i], 1e-6 + 1e-6 * Math.abs(p0[i]), e.getKey() + "[" + i + "]");
                }
            }
            assertEquals(1, trainer.stepCount());
        }
    }

    @Test
    void resumingFromSavedStateIsBitIdentical() {
        Fixture fx = Fixture.of(6);
        GptWeights w = fx.weights();
        List<int[]> data = fx.data();
        TrainOptions o = options(6);
        GptWeights straight = TrainTesting.copy(w);
        List<Double> all = train(straight, o, backend, data);

        GptWeights resumed = TrainTesting.copy(w);
        OptimizerState state;
        try (GptTrainer first = new GptTrainer(resumed, o, backend, B, T)) {
            for (int[] b : data.subList(0, 3)) {
                first.step(b);
            }
            state = OptimizerState.fromStateDict(first.optimizerState().stateDict());   // through the file form
        }
        GptWeights reloaded = TrainTesting.copy(resumed);
        List<Double> tail = new ArrayList<>();
        try (GptTrainer second = new GptTrainer(reloaded, o, backend, B, T)) {
            second.restore(state);
            assertEquals(3, second.stepCount());
            for (int[] b : data.subList(3, 6)) {
                tail.add(second.step(b).loss());
            }
        }
        assertEquals(all.subList(3, 6), tail);
        for (String name : w.tensors().keySet()) {
            assertArrayEquals(straight.tensor(name), reloaded.tensor(name), name);
        }
    }

    @Test
    void badBatchesAndShapesAreRejectedNamingTheArgument() {
        GptConfig config = TrainTesting.tiny(true);
        GptWeights w = GptWeights.random(config, 1);
        try (GptTrainer trainer = new GptTrainer(w, options(3), backend, B, T)) {
            int[] ok = new int[B * (T + 1)];
            String shortBatch = assertThrows(IllegalArgumentException.class, () -> trainer.step(new int[B * T]))
                    .getMessage();
            assertTrue(shortBatch.contains("batch must hold B·(T+1) = 3·8 = 24 tokens"), shortBatch);
            int[] big = ok.clone();
            big[5] = 11;
            String token = assertThrows(IllegalArgumentException.class, () -> trainer.step(big)).getMessage();
            assertTrue(token.contains("batch[0, 5] = 11 is not a token: vocab_size is 11"), token);
            int[] negative = ok.clone();
            negative[3] = -1;
            String input = assertThrows(IllegalArgumentException.class, () -> trainer.loss(negative)).getMessage();
            assertTrue(input.contains("batch[0, 3] = -1"), input);
            int[] ignored = ok.clone();
            ignored[T] = -1;
            assertTrue(Double.isFinite(trainer.loss(ignored)));
            assertEquals(0, trainer.stepCount());
        }
        String tooLong = assertThrows(IllegalArgumentException.class,
                () -> new GptTrainer(w, options(3), backend, B, config.blockSize() + 1)).getMessage();
        assertTrue(tooLong.contains("T+1 <= block_size+1"), tooLong);
        assertThrows(IllegalArgumentException.class, () -> new GptTrainer(w, options(3), backend, 0, T));
        GptWeights dropout = GptWeights.random(GptConfig.of(11, 9, 1, 2, 6, true, 0.2), 1);
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new GptTrainer(dropout, options(3), backend, B, T)).getMessage();
        assertTrue(msg.contains("dropout"), msg);
    }

    @Test
    void nonFiniteLossStopsBeforeTheUpdate() {
        GptConfig config = TrainTesting.tiny(true);
        GptWeights w = GptWeights.random(config, 2);
        int[] batch = TrainTesting.batch(RandomArrays.fresh(), B, T, config.vocabSize());
        try (GptTrainer trainer = new GptTrainer(w, options(3), backend, B, T)) {
            trainer.step(batch);
            w.tensor("transformer.ln_f.weight")[0] = Float.POSITIVE_INFINITY;
            GptWeights kept = TrainTesting.copy(w);
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> trainer.step(batch));
            assertEquals(2, e.step());
            assertTrue(e.getMessage().startsWith("step 2: the loss is NaN"), e.getMessage());
            assertEquals(1, trainer.stepCount());
            for (String name : w.tensors().keySet()) {
                assertArrayEquals(kept.tensor(name), w.tensor(name), name);
            }
        }
    }

    @Test
    void memoryReportsStateAndSavedActivationsByKind() {
        GptConfig config = GptConfig.of(11, 32, 2, 2, 8, true, 0.0);
        GptWeights w = GptWeights.random(config, 3);
        long paramBytes = 4L * w.tensors().values().stream().mapToLong(NdArray::size).sum();
        GraphMemory.Breakdown fused;
        GraphMemory.Breakdown unfused;
        try (GptTrainer f = new GptTrainer(w, options(1), backend, 2, 32);
             GptTrainer u = new GptTrainer(w, options(1).withAttention(TrainOptions.Attention.UNFUSED), backend, 2, 32)) {
            fused = f.memory();
            unfused = u.memory();
        }
        for (GraphMemory.Breakdown m : List.of(fused, unfused)) {
            assertEquals(paramBytes, m.atPeak().get("weights"));
            // plus the tied head's part of wte's gradient, kept apart until the step's sum (as a pipeline's last stage)
            assertEquals(paramBytes + 4L * config.vocabSize() * config.nEmbd(), m.atPeak().get("gradients"));
            assertEquals(2 * paramBytes, m.atPeak().get("optimizer"));
            assertEquals(m.peakBytes(), m.atPeak().values().stream().mapToLong(Long::longValue).sum());
            assertTrue(m.atPeak("saved/") > 0, m.atPeak().toString());
        }
        int rows = 2 * 32;
        // the saved attention state: the log-sum-exp (rows·H) fused, the probabilities (rows·H·T) unfused
        assertEquals(2L * 4 * rows * 2, fused.atPeak().get("saved/lse"));
        assertEquals(2L * 4 * rows * 2 * 32, unfused.atPeak().get("saved/probs"));
        assertTrue(unfused.peakBytes() > fused.peakBytes());
    }
}
