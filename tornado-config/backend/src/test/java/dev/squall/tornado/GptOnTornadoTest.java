package dev.squall.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.NormKind;
import dev.squall.engine.model.Sampling;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A whole GPT on TornadoVM against the JVM backend (plain kernels): the logits of a batch (bound
 * {@code 1e-5 · max(1, |ref|)}), and greedy generation with the KV cache through prefill, decode steps and a
 * context shift (same tokens), with an fp32 and an int8 cache; and PRepBN models in evaluation form (RepBN with
 * running statistics) and folded.
 */
class GptOnTornadoTest {

    @ParameterizedTest
    @ValueSource(strings = {"fp32 layernorm", "int8 layernorm", "fp32 prepbn", "fp32 folded"})
    void logitsAndGenerationMatchTheJvmBackend(String kvAndNorm) {
        String kv = kvAndNorm.split(" ")[0];
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        GptConfig config = GptConfig.of(29, 12, 2, 2, 16, true, 0.0)
                .withNorm(NormKind.parse(kvAndNorm.split(" ")[1]), 0, 0);
        GptWeights w = GptWeights.random(config, seed);
        int[] tokens = new int[2 * 9];
        RandomArrays r = RandomArrays.withSeed(seed);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(0, config.vocabSize() - 1);
        }
        float[] expected;
        int[] expectedTokens;
        try (GptModel jvm = GptModel.of(w, GptModel.Options.defaults().withKv(kv)
                .withBackend(new JvmBackend(2, FastPaths.none())))) {
            expected = jvm.logits(tokens, 2, 9);
            expectedTokens = jvm.generate(new int[] {1, 2, 3}, 16, Sampling.greedyDecoding(), t -> { }).tokens();
            jvm.backend().close();
        }
        try (GptModel device = GptModel.of(w, GptModel.Options.defaults().withKv(kv).withBackend(tornado))) {
            float[] got = device.logits(tokens, 2, 9);
            CrossCheck.assertBlockClose(Subject.of("GptModel.logits", "vocab 29, 2 layers, B=2 T=9, " + kvAndNorm, seed), got,
                    expected, config.vocabSize());
            assertArrayEquals(expectedTokens, device.generate(new int[] {1, 2, 3}, 16, Sampling.greedyDecoding(),
                    t -> { }).tokens(), "greedy tokens, " + kv + " cache, seed " + seed);
        }
    }
}
