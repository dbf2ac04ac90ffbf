package dev.squall.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StepResult;
import dev.squall.engine.train.GptStage;
import dev.squall.engine.train.TrainOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * GPT stages ({@link GptStage}) as actors on 3 cluster nodes in this JVM (127.0.0.1, ephemeral ports, 32 KiB frames
 * so that the tied embedding's gradient parts travel in chunks): bit-identical to the same stages in one JVM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GptClusterPipelineTest {
    private static final GptConfig CONFIG = GptConfig.of(96, 16, 3, 4, 128, true, 0.0);
    private static final int B = 4;
    private static final int T = 15;
    private static final int M = 2;
    private static final int STEPS = 2;
    private static final int[] SPLIT = {1, 1, 1};

    private final GptWeights init = GptWeights.random(CONFIG, 5);
    private final List<int[]> data = new ArrayList<>();
    private final List<JvmBackend> backends = new ArrayList<>();

    GptClusterPipelineTest() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int k = 0; k < STEPS + 1; k++) {
            int[] x = new int[B * (T + 1)];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextInt(CONFIG.vocabSize());
            }
            data.add(x);
        }
    }

    private List<GptStage> stages() {
        TrainOptions o = TrainOptions.defaults(STEPS + 1).withLr(1e-2, 1e-3).withWarmup(1);
        List<GptStage> stages = new ArrayList<>();
        for (int s = 0; s < SPLIT.length; s++) {
            JvmBackend backend = new JvmBackend(1);
            backends.add(backend);
            stages.add(new GptStage(init, o, backend, B, T, M, SPLIT, s, k -> data.get((int) k)));
        }
        return stages;
    }

    @Test
    void gptStagesOnThreeNodesAreBitIdenticalToTheInJvmPipeline() throws Exception {
        try {
            for (Schedule schedule : Schedule.values()) {
                List<GptStage> local = stages();
                float[] localLosses = new float[STEPS];
                try (LocalPipeline p = new LocalPipeline(local, schedule)) {
                    for (int k = 0; k < STEPS; k++) {
                        localLosses[k] = p.step(M).loss();
                    }
                }
                List<GptStage> remote = stages();
                List<StageNode> nodes = new ArrayList<>();
                nodes.add(StageNode.start(0, 3, remote.get(0), ClusterTesting.LOOPBACK, null,
                        ClusterTesting.SMALL_FRAMES));
                for (int s = 1; s < 3; s++) {
                    nodes.add(StageNode.start(s, 3, remote.get(s), ClusterTesting.LOOPBACK, nodes.get(0).address(),
                            ClusterTesting.SMALL_FRAMES));
                }
                try (ClusterPipeline pipeline = ClusterPipeline.connect(nodes.get(0), 3, schedule,
                        ClusterTesting.JOIN, ClusterTesting.STEP)) {
                    for (int k = 0; k < STEPS; k++) {
                        StepResult r = pipeline.step(M);
                        assertEquals(localLosses[k], r.loss(), schedule + ": loss of step " + k);
                        assertEquals(2L * M * (B / M) * T * CONFIG.nEmbd() * 4, r.boundaryBytes(0));
                    }
                    for (int s = 0; s < 3; s++) {
                        assertArrayEquals(local.get(s).parameters(), pipeline.parameters(s), schedule + ": stage " + s);
                    }
                    assertTrue(4L * CONFIG.vocabSize() * CONFIG.nEmbd() > 32768, "the tied parts span frames");
                } finally {
                    for (int s = nodes.size() - 1; s >= 0; s--) {
                        nodes.get(s).close();
                    }
                }
            }
        } finally {
            backends.forEach(JvmBackend::close);
        }
    }
}
