package dev.squall.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.pipeline.Schedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Shared set-up of the cluster tests: loopback nodes on free ports, the in-JVM reference run. */
final class ClusterTesting {
    /** The smallest frame Artery allows, 32 KiB, so that every toy boundary tensor (38,400 bytes) travels in two chunks. */
    static final Config SMALL_FRAMES = ConfigFactory.parseString(
            "pekko.remote.artery.advanced.maximum-frame-size = 32 KiB");
    static final HostPort LOOPBACK = new HostPort("127.0.0.1", 0);
    static final Duration JOIN = Duration.ofSeconds(20);
    static final Duration STEP = Duration.ofSeconds(20);

    private ClusterTesting() {}

    /** Losses and each stage's parameters after {@code steps} steps. */
    record Trained(float[] losses, List<float[]> parameters) {}

    /** The toy model trained by the in-JVM pipeline. */
    static Trained local(int stages, Schedule schedule, int steps, int microBatches) {
        ToyStageFactory factory = new ToyStageFactory();
        List<PipelineStage> list = new ArrayList<>();
        for (int s = 0; s < stages; s++) {
            list.add(factory.create(s, stages, null));
        }
        float[] losses = new float[steps];
        try (LocalPipeline pipeline = new LocalPipeline(list, schedule)) {
            for (int k = 0; k < steps; k++) {
                losses[k] = pipeline.step(microBatches).loss();
            }
        }
        return new Trained(losses, list.stream().map(PipelineStage::parameters).toList());
    }

    /** The toy model trained by {@code pipeline}. */
    static Trained train(ClusterPipeline pipeline, int stages, int steps, int microBatches)
            throws InterruptedException {
        float[] losses = new float[steps];
        for (int k = 0; k < steps; k++) {
            losses[k] = pipeline.step(microBatches).loss();
        }
        List<float[]> parameters = new ArrayList<>();
        for (int s = 0; s < stages; s++) {
            parameters.add(pipeline.parameters(s));
        }
        return new Trained(losses, parameters);
    }
}
