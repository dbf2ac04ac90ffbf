package dev.squall.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.pipeline.PipelineException;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StepResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** P actor systems in this JVM on 127.0.0.1, ephemeral ports. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterPipelineTest {
    private static final int STEPS = 3;
    private static final int MICRO_BATCHES = 4;

    private static List<StageNode> startNodes(int stages) {
        ToyStageFactory factory = new ToyStageFactory();
        List<StageNode> nodes = new ArrayList<>();
        StageNode seed = StageNode.start(0, stages, factory.create(0, stages, null), ClusterTesting.LOOPBACK, null,
                ClusterTesting.SMALL_FRAMES);
        nodes.add(seed);
        for (int s = 1; s < stages; s++) {
            nodes.add(StageNode.start(s, stages, factory.create(s, stages, null), ClusterTesting.LOOPBACK,
                    seed.address(), ClusterTesting.SMALL_FRAMES));
        }
        return nodes;
    }

    private static void closeAll(List<StageNode> nodes) {
        for (int s = nodes.size() - 1; s >= 0; s--) {
            nodes.get(s).close();
        }
    }

    @Test
    void threeNodesTrainBitIdenticallyToTheInJvmPipelineWithChunkedTensors() throws Exception {
        for (Schedule schedule : Schedule.values()) {
            ClusterTesting.Trained reference = ClusterTesting.local(3, schedule, STEPS, MICRO_BATCHES);
            List<StageNode> nodes = startNodes(3);
            try (ClusterPipeline pipeline = ClusterPipeline.connect(nodes.get(0), 3, schedule, ClusterTesting.JOIN,
                    ClusterTesting.STEP)) {
                ClusterTesting.Trained trained = ClusterTesting.train(pipeline, 3, STEPS, MICRO_BATCHES);
                assertArrayEquals(reference.losses(), trained.losses(), schedule.flag());
                for (int s = 0; s < 3; s++) {
                    assertArrayEquals(reference.parameters().get(s), trained.parameters().get(s), "stage " + s);
                }
                StepResult r = pipeline.step(MICRO_BATCHES);
                long tensor = 4L * ToyStageFactory.MODEL.rows() * ToyStageFactory.MODEL.width();
                assertTrue(tensor > 32768, "tensors larger than a frame");
                assertEquals(2 * MICRO_BATCHES * tensor, r.boundaryBytes(0));
                int expected = schedule == Schedule.GPIPE ? MICRO_BATCHES : 3;
                assertEquals(expected, r.stages().get(0).peakSavedMicroBatches());
            }
            assertEquals("training finished", nodes.get(2).finished().get(10, TimeUnit.SECONDS));
            closeAll(nodes);
        }
    }

    @Test
    void aStageNodeThatLeavesStopsTrainingWithAnErrorNamingIt() throws Exception {
        List<StageNode> nodes = startNodes(2);
        try (ClusterPipeline pipeline = ClusterPipeline.connect(nodes.get(0), 2, Schedule.ONE_F_ONE_B,
                ClusterTesting.JOIN, ClusterTesting.STEP)) {
            pipeline.step(2);
            nodes.get(1).close();
            long start = System.nanoTime();
            PipelineException e = assertThrows(PipelineException.class, () -> {
                for (int k = 0; k < 1000; k++) {
                    pipeline.step(2);
                }
            });
            assertEquals(1, e.stage(), e.getMessage());
            assertTrue(e.getMessage().startsWith("pipeline stage 1: its node pekko://squall@127.0.0.1:"),
                    e.getMessage());
            assertTrue(System.nanoTime() - start < 15e9, "stopped within 15 s");
            assertThrows(IllegalStateException.class, () -> pipeline.step(2));
        } finally {
            closeAll(nodes);
        }
    }
}
