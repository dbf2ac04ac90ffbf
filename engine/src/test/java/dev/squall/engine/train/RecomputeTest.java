package dev.squall.engine.train;

import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activation recomputation: the same bits as saving everything, and less saved memory. */
class RecomputeTest extends SharedJvmBackend {
    private static final int B = 3;
    private static final int T = 7;
    private static final int STEPS = 3;

    /** Gradients of a first batch, then {@code STEPS} steps: losses, gradients and weights. */
    private record Run(Gradients first, List<Double> losses, GptWeights weights) {
        static Run of(GptWeights start, TrainOptions o, Recompute r, JvmBackend backend, List<int[]> data) {
            GptWeights w = TrainTesting.copy(start);
            List<Double> losses = new ArrayList<>();
            try (GptTrainer t = new GptTrainer(w, o, r, backend, B, T)) {
                Gradients g = t.gradients(data.get(0));
                for (int[] b : data) {
                    losses.add(t.step(b).loss());
                }
                return new Run(g, losses, w);
            }
        }
    }

    @Test
    void gradientsAndWeightsAreBitIdenticalToSavingEverything() {
        TrainTesting.Start fx = TrainTesting.Start.tiny(STEPS, B, T);
        RandomArrays rnd = fx.rnd();
        GptWeights start = fx.weights();
        List<int[]> data = fx.data();
        for (TrainOptions.Attention a : TrainOptions.Attention.values()) {
            TrainOptions o = TrainOptions.defaults(STEPS).withLr(3e-2, 3e-3).withWarmup(1).withAttention(a);
            Run none = Run.of(start, o, Recompute.NONE, backend, data);
            for (Recompute r : List.of(Recompute.SELECTIVE, Recompute.FULL)) {
                String what = a + " " + r + ", seed " + rnd.seed();
                Run run = Run.of(start, o, r, backend, data);
                assertEquals(none.first().loss(), run.first().loss(), what);
                for (String name : none.first().gradients().keySet()) {
                    assertArrayEquals((float[]) none.first().gradients().get(name).data(),
                            (float[]) run.first().gradients().get(name).data(), "grad " + name + ", " + what);
                }
                assertEquals(none.losses(), run.losses(), what);
                for (String name : none.weights().tensors().keySet()) {
                    assertArrayEquals(none.weights().tensor(name), run.weights().tensor(name), name + ", " + what);
                }
            }
        }
    }

    @Test
    void oneAndTwoThreadsGiveTheSameBits() {
        TrainTesting.Start fx = TrainTesting.Start.tiny(2, B, T);
        RandomArrays rnd = fx.rnd();
        GptWeights start = fx.weights();
        List<int[]> data = fx.data();
        TrainOptions o = TrainOptions.defaults(2).withLr(3e-2, 3e-3).withWarmup(1);
        try (JvmBackend one = new JvmBackend(1); JvmBackend two = new JvmBackend(2)) {
            for (Recompute r : List.of(Recompute.SELECTIVE, Recompute.FULL)) {
                Run a = Run.of(start, o, r, one, data);
                Run b = Run.of(start, o, r, two, data);
                assertEquals(a.losses(), b.losses(), r + ", seed " + rnd.seed());
                for (String name : a.weights().tensors().keySet()) {
                    assertArrayEquals(a.weights().tensor(name), b.weights().tensor(name), r + " " + name);
                }
            }
        }
    }

    /**
     * Saved activations at the step's peak, at the shape ratio of the 6-layer, 384-wide, 6-head model at T = 256
     * ({@code a·s/h = 4}), scaled down: 6 layers, width 96, 6 heads, T = 64, batch 2.
     */
    @Test
    void savedActivationsShrink() {
        GptConfig config = GptConfig.of(65, 64, 6, 6, 96, true, 0.0);
        GptWeights w = GptWeights.random(config, 5);
        for (TrainOptions.Attention a : TrainOptions.Attention.values()) {
            TrainOptions o = TrainOptions.defaults(1).withAttention(a);
            long none = saved(w, o, Recompute.NONE);
            long selective = saved(w, o, Recompute.SELECTIVE);
            long full = saved(w, o, Recompute.FULL);
            String what = a + ": none " + none + ", selective " + selective + ", full " + full + " bytes";
            System.out.println("saved at peak, " + what);
            assertTrue(none >= 5 * full, what);
            assertTrue(none >= 2 * selective, what);
        }
    }

    private long saved(GptWeights w, TrainOptions o, Recompute r) {
        try (GptTrainer t = new GptTrainer(w, o, r, backend, 2, 64)) {
            GraphMemory.Breakdown m = t.memory();
            return m.atPeak("saved/");
        }
    }

    @Test
    void parseNamesTheOption() {
        assertEquals(Recompute.SELECTIVE, Recompute.parse("--recompute", "selective"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Recompute.parse("--recompute", "some"));
        assertTrue(e.getMessage().contains("--recompute"), e.getMessage());
    }
}
