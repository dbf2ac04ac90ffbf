package dev.squall.benchmarks.suite;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.Recompute;
import dev.squall.engine.train.TrainOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The analytic (Korthikanti) count of kept activations equals what the trainer's graphs keep, byte for byte. */
class TrainMemoryBenchTest {
    @Test
    void analyticCountMatchesTheGraphs() {
        GptConfig config = GptConfig.of(65, 64, 3, 6, 96, true, 0.0);
        GptWeights w = GptWeights.random(config, 5);
        try (JvmBackend backend = new JvmBackend(1)) {
            for (TrainMemoryBench.Variant v : TrainMemoryBench.VARIANTS) {
                try (GptTrainer t = new GptTrainer(w, TrainOptions.defaults(1), v.recompute(), v.codec(), backend, 2,
                        64)) {
                    long analytic = TrainMemoryBench.analytic(v.recompute(), config, 2, 64, t.compressedBytes());
                    assertEquals(analytic, TrainMemoryBench.kept(t.memory()), v.name());
                }
            }
        }
    }
}
