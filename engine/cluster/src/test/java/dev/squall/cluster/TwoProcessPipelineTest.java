package dev.squall.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.pipeline.PipelineException;
import dev.squall.engine.pipeline.Schedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Stage 0 in this JVM, stage 1 in a second JVM started with {@link StageNodeMain}, both on loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TwoProcessPipelineTest {
    private static final int STEPS = 3;
    private static final int MICRO_BATCHES = 4;

    @Test
    void aStageInAnotherJvmTrainsBitIdenticallyAndItsDeathStopsTrainingNamingIt(@TempDir Path dir)
            throws Exception {
        ClusterTesting.Trained reference = ClusterTesting.local(2, Schedule.ONE_F_ONE_B, STEPS, MICRO_BATCHES);
        Path log = dir.resolve("stage1.log");
        Process child = null;
        try (StageNode first = StageNode.start(0, 2, new ToyStageFactory().create(0, 2, null),
                ClusterTesting.LOOPBACK, null, ClusterTesting.SMALL_FRAMES)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // C1 only and a serial GC start the child faster; Java's float arithmetic gives the same bits in any tier.
            child = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Dpekko.remote.artery.advanced.maximum-frame-size=32KiB",
                    "-cp", System.getProperty("java.class.path"), StageNodeMain.class.getName(),
                    "--pipeline-stages", "2", "--stage", "1", "--cluster-seed", first.address().toString(),
                    "--bind", "127.0.0.1:0", "--stage-factory", ToyStageFactory.class.getName(),
                    "--join-timeout", "60")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (ClusterPipeline pipeline = ClusterPipeline.connect(first, 2, Schedule.ONE_F_ONE_B,
                    Duration.ofSeconds(60), ClusterTesting.STEP)) {
                ClusterTesting.Trained trained = ClusterTesting.train(pipeline, 2, STEPS, MICRO_BATCHES);
                assertArrayEquals(reference.losses(), trained.losses(), Files.readString(log));
                for (int s = 0; s < 2; s++) {
                    assertArrayEquals(reference.parameters().get(s), trained.parameters().get(s), "stage " + s);
                }

                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                long start = System.nanoTime();
                PipelineException e = assertThrows(PipelineException.class, () -> {
                    for (int k = 0; k < 10_000; k++) {
                        pipeline.step(MICRO_BATCHES);
                    }
                });
                assertEquals(1, e.stage(), e.getMessage());
                assertTrue(e.getMessage().startsWith("pipeline stage 1: its node pekko://squall@127.0.0.1:"),
                        e.getMessage());
                assertTrue(System.nanoTime() - start < 20e9, "stopped within 20 s");
            }
        } finally {
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void badNodeFlagsExitWithStatusTwoNamingTheFlag() {
        for (List<String> args : List.of(
                List.of("--pipeline-stages", "2", "--stage", "2", "--cluster-seed", "127.0.0.1:1",
                        "--stage-factory", "x"),
                List.of("--pipeline-stages", "2", "--stage", "1", "--cluster-seed", "localhost",
                        "--stage-factory", "x"),
                List.of("--pipeline-stages", "2", "--stage", "1", "--cluster-seed", "127.0.0.1:1",
                        "--stage-factory", "no.such.Factory"),
                List.of("--pipeline-stages", "2", "--stage", "0", "--cluster-seed", "127.0.0.1:1",
                        "--stage-factory", ToyStageFactory.class.getName()),
                List.of("--pipeline-stages", "2", "--stage", "1", "--cluster-seed", "127.0.0.1:1",
                        "--stage-factory", ToyStageFactory.class.getName(), "--stage-layers", "4,1"),
                List.of("--stages", "2"))) {
            assertEquals(2, StageNodeMain.run(args.toArray(String[]::new)), args.toString());
        }
    }
}
