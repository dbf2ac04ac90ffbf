package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.squall.cli.train.LossLog;
import dev.squall.engine.model.GptConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code squall lm train} with the library's trainer on
 * tinyshakespeare ({@code ../shared/data/tinyshakespeare.txt} beside the repository; skipped when absent): a tiny
 * model, a few hundred steps, and the validation loss must fall well below the unigram entropy of the text.
 */
class LmTrainShakespeareTest {
    @TempDir
    Path dir;

    @Test
    void aTinyModelLearnsMoreThanCharacterFrequencies() throws IOException {
        Path text = repositoryRoot().resolve("../shared/data/tinyshakespeare.txt").normalize();
        assumeTrue(Files.isRegularFile(text), "no " + text);
        GptConfig config = GptConfig.of(65, 64, 2, 2, 32, true, 0.0);
        Path c = Files.writeString(dir.resolve("config.json"), config.toJson());
        Path out = dir.resolve("run");
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(err, true), "lm", "train", "--config", c.toString(), "--data",
                text.toString(), "--steps", "300", "--batch-size", "16", "--lr", "1e-2", "--min-lr", "1e-3",
                "--warmup", "20", "--weight-decay", "0.1", "--grad-clip", "1", "--eval-batches", "10", "--out",
                out.toString(), "--threads", "2");
        assertEquals(0, exit, err.toString());
        List<LossLog.Row> rows = LossLog.read(out.resolve("loss.csv"), 300).rows();
        double unigram = unigramEntropy(Files.readString(text));
        double val = rows.getLast().valLoss();
        assertTrue(val < unigram - 0.5, "validation loss " + val + " vs unigram entropy " + unigram);
    }

    /** Nats per character of the first 90 % of the text under its own character frequencies. */
    private static double unigramEntropy(String text) {
        int[] ids = text.codePoints().limit((long) (text.codePointCount(0, text.length()) * 0.9)).toArray();
        Map<Integer, Integer> counts = new HashMap<>();
        for (int id : ids) {
            counts.merge(id, 1, Integer::sum);
        }
        double h = 0;
        for (int n : counts.values()) {
            double p = (double) n / ids.length;
            h -= p * Math.log(p);
        }
        return h;
    }

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("squall"))) {
            p = p.getParent();
        }
        return p == null ? Path.of("").toAbsolutePath() : p;
    }
}
