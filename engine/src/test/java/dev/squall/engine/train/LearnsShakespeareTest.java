package dev.squall.engine.train;

import dev.squall.engine.docs.Checkout;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny GPT (2 layers, 2 heads, 32 wide, 32 tokens, batch 8) trained for 300 steps on the characters of
 * tinyshakespeare (the first 90 % for training): its validation loss must fall well below the entropy of the
 * characters' unigram distribution, which is the best a model that ignores the context can do. Skipped when
 * {@code ../shared/data/tinyshakespeare.txt} (beside the checkout, or beside a directory above it) is absent.
 */
class LearnsShakespeareTest extends SharedJvmBackend {
    private static final int B = 8;
    private static final int T = 32;
    private static final int STEPS = 300;

    private static Path data() {
        for (Path d = Checkout.root().getParent(); d != null; d = d.getParent()) {
            Path f = d.resolve("shared/data/tinyshakespeare.txt");
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        return null;
    }

    @Test
    void lossFallsWellBelowTheUnigramEntropy() throws IOException {
        Path file = data();
        Assumptions.assumeTrue(file != null, "../shared/data/tinyshakespeare.txt is absent");
        String text = Files.readString(file);
        CharTokenizer tok = CharTokenizer.fromText(text);
        int[] ids = tok.encode(text);
        int split = ids.length * 9 / 10;
        double entropy = unigramEntropy(ids, split, tok.vocabSize());
        GptConfig config = GptConfig.of(tok.vocabSize(), T, 2, 2, 32, true, 0.0);
        GptWeights w = GptWeights.random(config, 7);
        TrainOptions o = TrainOptions.defaults(STEPS).withLr(1e-2, 1e-3).withWarmup(20).withRegularisation(0.0, 1.0);
        SplittableRandom rnd = new SplittableRandom(7);
        double val;
        try (GptTrainer trainer = new GptTrainer(w, o, backend, B, T)) {
            for (int k = 0; k < STEPS; k++) {
                trainer.step(windows(ids, 0, split, rnd));
            }
            val = 0;
            for (int k = 0; k < 8; k++) {
                val += trainer.loss(windows(ids, split, ids.length, rnd)) / 8;
            }
        }
        System.out.printf("tinyshakespeare, %d steps of B=%d T=%d: validation loss %.3f, unigram entropy %.3f nats%n",
                STEPS, B, T, val, entropy);
        assertTrue(val < entropy - 0.5, "validation loss " + val + " against unigram entropy " + entropy);
    }

    /** {@code B} random windows of {@code T+1} tokens within {@code [from, to)}. */
    private static int[] windows(int[] ids, int from, int to, SplittableRandom rnd) {
        int[] batch = new int[B * (T + 1)];
        for (int b = 0; b < B; b++) {
            System.arraycopy(ids, rnd.nextInt(from, to - T - 1), batch, b * (T + 1), T + 1);
        }
        return batch;
    }

    private static double unigramEntropy(int[] ids, int n, int vocab) {
        long[] counts = new long[vocab];
        for (int i = 0; i < n; i++) {
            counts[ids[i]]++;
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / n;
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
