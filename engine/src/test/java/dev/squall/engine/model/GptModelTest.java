package dev.squall.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The GPT's logits against {@link ReferenceGpt} (float64, nanoGPT's forward in plain loops) within {@code 1e-5}
 * relative to each logit's scale {@code Σ_c |h_c·W_vc|}, for random configs of awkward sizes (one head, odd and
 * prime vocabularies, head widths 1 and 3, no biases, tanh GELU), sequence lengths 1, middling and the block size,
 * batches of one and two, on the fast paths and on the plain kernels; and bad token input rejected by name.
 */
class GptModelTest {

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of(GptConfig.of(7, 5, 2, 1, 6, true, 0.0)),
                Arguments.of(GptConfig.of(13, 9, 1, 3, 9, false, 0.1)),
                Arguments.of(new GptConfig(65, 17, 3, 4, 32, true, 0, Activations.GELU_TANH, 1e-5f)),
                Arguments.of(GptConfig.of(101, 160, 2, 2, 20, true, 0.0)),
                Arguments.of(GptConfig.of(31, 8, 1, 8, 8, true, 0.0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void logitsMatchTheFloat64Reference(GptConfig config) {
        RandomArrays rnd = RandomArrays.fresh();
        GptWeights w = GptWeights.random(config, rnd.seed());
        for (boolean plain : new boolean[] {false, true}) {
            try (GptModel model = GptModel.of(w, GptModel.Options.defaults()
                    .withBackend(new JvmBackend(2, plain ? FastPaths.none() : FastPaths.standard())))) {
                int t = config.blockSize();
                for (int[] shape : new int[][] {{1, 1}, {2, 1}, {1, t}, {2, Math.max(1, t / 2 + 1)}, {1, t - 1 > 0 ? t - 1 : 1}}) {
                    check(model, w, rnd, shape[0], shape[1], plain ? "plain" : "fast");
                }
            }
        }
    }

    private static void check(GptModel model, GptWeights w, RandomArrays rnd, int batch, int length, String impl) {
        GptConfig c = w.config();
        int[] tokens = new int[batch * length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i == 0 ? c.vocabSize() - 1 : rnd.nextInt(0, c.vocabSize() - 1);
        }
        Subject subject = Subject.of("GptModel.logits " + impl, c + " B=" + batch + " T=" + length, rnd.seed())
                .rowsOf(c.vocabSize());
        float[] got = model.logits(tokens, batch, length);
        ReferenceGpt.Result ref = ReferenceGpt.forward(w, tokens, batch, length);
        Tolerance.FP32.assertClose(subject, got, ref.logits(), ref.scale());
    }

    @Test
    void badTokensAndLengthsAreRejectedByName() {
        GptConfig config = GptConfig.of(11, 4, 1, 2, 8, true, 0.0);
        try (GptModel model = GptModel.of(GptWeights.random(config, 1), GptModel.Options.defaults()
                .withBackend(new JvmBackend(1)))) {
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logits(new int[] {1, 11, 2})),
                    "token 11 at [0, 1] is outside the vocabulary [0, 11)");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logits(new int[] {-1})),
                    "token -1 at [0, 0]");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logits(new int[5])),
                    "T=5 exceeds block_size=4");
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> model.generate(new int[] {3, 12}, 2, Sampling.greedyDecoding(), t -> { })), "token 12");
        }
    }

    static void assertMessage(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }

    @Test
    void sameSeedSameTokensWithAnyThreadCount() {
        GptConfig config = GptConfig.of(29, 12, 2, 2, 16, true, 0.0);
        GptWeights w = GptWeights.random(config, 7);
        int[][] runs = new int[3][];
        int[] threads = {1, 2, 2};
        long[] seeds = {5, 5, 6};
        for (int r = 0; r < 3; r++) {
            try (GptModel model = GptModel.of(w, GptModel.Options.defaults().withBackend(new JvmBackend(threads[r])))) {
                runs[r] = model.generate(new int[] {1, 2, 3}, 20, Sampling.of(1.5, 10, 0.95, seeds[r]), t -> { })
                        .tokens();
            }
        }
        assertArrayEquals(runs[0], runs[1], "same seed, 1 and 2 threads");
        assertTrue(!java.util.Arrays.equals(runs[0], runs[2]), "another seed should give other tokens");
    }
}
