package dev.squall.engine.train;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPT pipeline stages against single-stage training with the same micro-batches: losses and weights after every
 * step bit for bit, for P = 1, 2, 3, both schedules, M = 1, 2, 3, tied and untied heads, clipping active.
 */
class GptStageTest {
    private static final int B = 6;
    private static final int T = 7;
    private static final int STEPS = 3;

    private static TrainOptions options() {
        return TrainOptions.defaults(STEPS).withLr(3e-2, 3e-3).withWarmup(1).withRegularisation(0.1, 0.05);
    }

    @Test
    void stagesAreBitIdenticalToSingleStageTraining() {
        RandomArrays rnd = RandomArrays.fresh();
        for (boolean untied : new boolean[] {false, true}) {
            GptConfig config = GptConfig.of(11, 9, 3, 2, 6, !untied, 0.0);
            GptWeights init = TrainTesting.weights(config, rnd, 0.3, untied);
            List<int[]> data = new ArrayList<>();
            for (int k = 0; k < STEPS; k++) {
                data.add(TrainTesting.batch(rnd, B, T, config.vocabSize()));
            }
            for (int m : new int[] {1, 2, 3}) {
                GptWeights single = TrainTesting.copy(init);
                List<Double> losses = new ArrayList<>();
                double norm = 0;
                try (JvmBackend backend = new JvmBackend(1); GptTrainer t = new GptTrainer(single, options(), backend, B, T, m)) {
                    for (int[] b : data) {
                        StepResult r = t.step(b);
                        losses.add(r.loss());
                        norm = Math.max(norm, r.gradNorm());
                    }
                }
                assertTrue(norm > 0.05, "clipping should be active, norm " + norm);
                for (int[] split : new int[][] {{3}, {1, 2}, {2, 1}, {1, 1, 1}}) {
                    for (Schedule schedule : Schedule.values()) {
                        String what = "untied " + untied + ", M " + m + ", stages " + java.util.Arrays.toString(split)
                                + ", " + schedule + ", seed " + rnd.seed();
                        List<JvmBackend> backends = new ArrayList<>();
                        List<GptStage> stages = new ArrayList<>();
                        try {
                            for (int s = 0; s < split.length; s++) {
                                backends.add(new JvmBackend(1 + s % 2));
                                stages.add(new GptStage(init, options(), backends.get(s), B, T, m, split, s,
                                        k -> data.get((int) k)));
                            }
                            try (LocalPipeline p = new LocalPipeline(stages, schedule)) {
                                for (int k = 0; k < STEPS; k++) {
                                    assertEquals(losses.get(k), (double) p.step(m).loss(), what + ": loss of step " + k);
                                }
                            }
                            for (GptStage stage : stages) {
                                for (Map.Entry<String, float[]> e : stage.tensors().entrySet()) {
                                    assertArrayEquals(single.tensor(e.getKey()), e.getValue(), what + ": " + e.getKey());
                                }
                            }
                            assertEquals(single.tensors().size(),
                                    stages.stream().mapToInt(s -> s.tensors().size()).sum(), what);
                        } finally {
                            stages.forEach(GptStage::close);
                            backends.forEach(JvmBackend::close);
                        }
                    }
                }
            }
        }
    }

    @Test
    void badCountsAreNamed() {
        GptWeights w = TrainTesting.weights(GptConfig.of(11, 9, 3, 2, 6, true, 0.0), RandomArrays.fresh(), 0.3, false);
        try (JvmBackend backend = new JvmBackend(1)) {
            for (int[] split : new int[][] {{1, 1}, {0, 3}, {2, 2}}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new GptStage(w, options(), backend, B, T, 1, split, 0, k -> null));
                assertTrue(e.getMessage().contains("stage layers"), e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new GptStage(w, options(), backend, B, T, 4, new int[] {3}, 0, k -> null));
            assertTrue(e.getMessage().contains("micro-batches"), e.getMessage());
        }
    }
}
