package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.NormKind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lm train} of a {@code "norm": "prepbn"} model: the checkpoint carries the running statistics and α, a resumed
 * run ends with the same bits as the uninterrupted one (through the warm-up, the mixture and pure RepBN), and
 * {@code lm fold} folds the result.
 */
class LmTrainPrepBnCliTest extends CliFiles {
    private static final GptConfig CONFIG = GptConfig.of(13, 8, 2, 2, 6, false, 0.0).withNorm(NormKind.PREPBN, 1, 3);

    @Test
    void resumesBitForBitAndFolds() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, CONFIG.toJson());
        int steps = 6;
        int[] all = new int[steps * 3 * 9];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int i = 0; i < all.length; i++) {
            all[i] = rnd.nextInt(13);
        }
        Path xs = dir.resolve("xs.npy");
        Npy.write(xs, NdArray.of(all, steps, 3, 9));
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        String[] common = {"lm", "train", "--config", config.toString(), "--batches", xs.toString(), "--lr", "0.01",
                "--lr-schedule", "constant"};   // the cosine schedule depends on --steps
        stdout(0, concat(common, "--steps", "6", "--out", a.toString()));
        stdout(0, concat(common, "--steps", "2", "--out", b.toString()));
        stdout(0, concat(common, "--steps", "6", "--out", b.toString(), "--resume", b.toString()));
        Map<String, NdArray> wa = Npz.read(a.resolve("model.npz"));
        Map<String, NdArray> wb = Npz.read(b.resolve("model.npz"));
        assertEquals(wa.keySet(), wb.keySet());
        assertTrue(wa.containsKey("transformer.h.1.ln_2.bn.running_var"), wa.keySet().toString());
        assertTrue(wa.containsKey("transformer.ln_f.alpha"), wa.keySet().toString());
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).toFloats(), wb.get(k).toFloats(), k);
        }
        float[] var = wa.get("transformer.h.0.ln_1.bn.running_var").toFloats();
        assertTrue(var[0] != 1f, "the running variance moved from its initial 1");
        Path folded = dir.resolve("folded");
        stdout(0, "lm", "fold", "--model", a.toString(), "-o", folded.toString());
        assertTrue(Files.exists(folded.resolve("model.npz")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
