package dev.squall.benchmarks.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.pipeline.Schedule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's stages on the project's GEMM kernels: bits independent of threads, stages and schedule. */
class GemmStageTest {
    private static final int WIDTH = 70;
    private static final int ROWS = 33;

    private static float[] train(List<PipelineStage> stages, Schedule schedule) {
        try (LocalPipeline pipeline = new LocalPipeline(stages, schedule)) {
            for (int k = 0; k < 3; k++) {
                pipeline.step(3);
            }
            return pipeline.parameters();
        } finally {
            stages.forEach(s -> ((GemmStage) s).close());
        }
    }

    @Test
    void threadsStagesAndSchedulesGiveTheSameWeights() {
        // one stage holding both layers draws its weights from one seed; two stages from two seeds: compare
        // two-stage runs with each other and one-stage runs with each other.
        float[] oneThread = train(List.of(new GemmStage(2, WIDTH, ROWS, true, true, 5, 1)), Schedule.GPIPE);
        float[] threeThreads = train(List.of(new GemmStage(2, WIDTH, ROWS, true, true, 5, 3)), Schedule.ONE_F_ONE_B);
        assertArrayEquals(oneThread, threeThreads);
        float[] gpipe = train(List.of(new GemmStage(1, WIDTH, ROWS, true, false, 5, 1),
                new GemmStage(1, WIDTH, ROWS, false, true, 6, 2)), Schedule.GPIPE);
        float[] oneFOneB = train(List.of(new GemmStage(1, WIDTH, ROWS, true, false, 5, 2),
                new GemmStage(1, WIDTH, ROWS, false, true, 6, 1)), Schedule.ONE_F_ONE_B);
        assertArrayEquals(gpipe, oneFOneB);
    }
}
