package dev.squall.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.testing.RandomArrays;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Generation with the KV cache: the logits of the prefill and of every decode step equal the logits of the whole
 * prefix computed again ({@link GptModel#logits}) within {@code 1e-5} of the row's largest logit with an fp32
 * cache (the int8 cache's error is printed and bounded loosely); the same with a {@code local:W} window; and
 * greedy generation past the block size (context shifts) gives the tokens of recomputing each window from scratch.
 */
class GeneratorTest {
    private static final GptConfig CONFIG = GptConfig.of(37, 24, 2, 3, 24, true, 0.0);

    @Test
    void decodeLogitsEqualTheWholePrefixFp32() {
        assertDecodeMatchesRecompute(GptModel.Options.defaults(), 1e-5, "fp32 cache");
    }

    @Test
    void decodeLogitsCloseToTheWholePrefixInt8() {
        double err = assertDecodeMatchesRecompute(GptModel.Options.defaults().withKv("int8"), 2e-2, "int8 cache");
        System.out.printf("int8 KV cache: largest logit error %.3g of the row's largest logit%n", err);
    }

    @Test
    void decodeWithALocalWindowEqualsTheWindowedPrefix() {
        assertDecodeMatchesRecompute(GptModel.Options.defaults().withPattern("local:3"), 1e-5, "local:3");
    }

    @Test
    void decodeOnQuantisedWeightsEqualsTheirPrefix() {
        assertDecodeMatchesRecompute(GptModel.Options.defaults().withWeights("q8_0"), 1e-5, "q8_0 weights");
    }

    /** Prefill 5 tokens, decode up to the block size; returns the largest relative error seen. */
    private static double assertDecodeMatchesRecompute(GptModel.Options options, double bound, String what) {
        RandomArrays rnd = RandomArrays.fresh();
        GptWeights w = GptWeights.random(CONFIG, rnd.seed());
        double worst = 0;
        try (GptModel model = GptModel.of(w, options.withBackend(new JvmBackend(2)));
             Generator gen = new Generator(model)) {
            int v = CONFIG.vocabSize();
            int[] tokens = new int[CONFIG.blockSize()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = rnd.nextInt(0, v - 1);
            }
            int prompt = 5;
            float[] step = gen.prefill(Arrays.copyOf(tokens, prompt)).clone();
            for (int n = prompt; ; n++) {
                float[] full = model.logits(Arrays.copyOf(tokens, n));
                double max = 0;
                for (int o = 0; o < v; o++) {
                    max = Math.max(max, Math.abs(full[(n - 1) * v + o]));
                }
                for (int o = 0; o < v; o++) {
                    double err = Math.abs(step[o] - full[(n - 1) * v + o]) / max;
                    worst = Math.max(worst, err);
                    assertTrue(err <= bound, what + ", seed " + rnd.seed() + ": step with " + n + " tokens, logit " + o
                            + ": " + step[o] + " vs " + full[(n - 1) * v + o] + " (relative " + err + ")");
                }
                if (n == tokens.length) {
                    break;
                }
                step = gen.decode(tokens[n], n).clone();
            }
        }
        return worst;
    }

    @Test
    void greedyPastTheBlockSizeShiftsTheContext() {
        GptConfig config = GptConfig.of(23, 6, 1, 2, 8, true, 0.0);
        GptWeights w = GptWeights.random(config, 3);
        try (GptModel model = GptModel.of(w, GptModel.Options.defaults().withBackend(new JvmBackend(2)))) {
            int[] prompt = {1, 2, 3, 4};
            Generation g = model.generate(prompt, 15, Sampling.greedyDecoding(), t -> { });
            // the same rule by recomputation: the window grows to the block size, then restarts from its second half
            int[] window = prompt.clone();
            int[] expected = new int[15];
            for (int n = 0; n < 15; n++) {
                float[] logits = model.logits(window);
                expected[n] = argmax(logits, (window.length - 1) * 23, 23);
                int[] next = Arrays.copyOf(window, window.length + 1);
                next[window.length] = expected[n];
                window = window.length < config.blockSize() ? next
                        : Arrays.copyOfRange(next, next.length - config.blockSize() / 2, next.length);
            }
            assertArrayEquals(expected, g.tokens());
            assertTrue(g.contextShifts() > 0);
            assertEquals(prompt.length, g.promptTokens());
        }
    }

    private static int argmax(float[] a, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[from + i] > a[from + best]) {
                best = i;
            }
        }
        return best;
    }
}
