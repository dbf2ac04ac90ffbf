package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.NormKind;
import dev.squall.engine.model.PrepBnWeights;
import dev.squall.engine.model.ReferenceGpt;
import dev.squall.engine.tokenizer.CharTokenizer;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code squall lm fold} through real files: a PRepBN model directory folded into a {@code "norm": "folded"}
 * directory whose logits ({@code lm logits}) equal the unfolded model's and the float64 reference's within
 * {@code 1e-5} of each logit's scale, and which {@code lm generate} runs;
 * a weights file with {@code --config} works too; bad input is named, exit 2, nothing written.
 */
class LmFoldCliTest {
    private static final String TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n";
    private static final GptConfig CONFIG = GptConfig.of(CharTokenizer.fromText(TEXT).vocabSize(), 16, 2, 2, 12, true,
            0.0).withNorm(NormKind.PREPBN, 10, 20);

    @TempDir
    Path dir;

    private final StringWriter errors = new StringWriter();
    private GptWeights weights;
    private Path modelDir;

    @BeforeEach
    void files() throws IOException {
        weights = PrepBnWeights.trained(GptWeights.random(CONFIG, 5), 6);
        modelDir = dir.resolve("prepbn");
        Files.createDirectories(modelDir);
        Npz.write(modelDir.resolve("model.npz"), weights.stateDict());
        Files.writeString(modelDir.resolve("config.json"), CONFIG.toJson());
        CharTokenizer.fromText(TEXT).write(modelDir.resolve("meta.json"));
    }

    @Test
    void foldedModelGivesTheSameLogitsAndText() throws IOException {
        Path out = dir.resolve("folded");
        assertEquals(0, run("lm", "fold", "--model", modelDir.toString(), "-o", out.toString()), errors.toString());
        assertTrue(Files.readString(out.resolve("config.json")).contains("folded"));
        assertTrue(Files.isRegularFile(out.resolve("meta.json")));
        int[] ids = {0, 5, CONFIG.vocabSize() - 1, 3, 7, 1, 2, 9, 4, 4};
        Path tokens = dir.resolve("t.npy");
        Npy.write(tokens, NdArray.of(ids, 2, 5));
        ReferenceGpt.Result ref = ReferenceGpt.forward(weights, ids, 2, 5);
        float[][] logits = new float[2][];
        Path[] models = {modelDir, out};
        for (int m = 0; m < 2; m++) {
            Path l = dir.resolve("l" + m + ".npy");
            assertEquals(0, run("lm", "logits", "--model", models[m].resolve("model.npz").toString(), "--config",
                    models[m].resolve("config.json").toString(), "--tokens", tokens.toString(), "-o", l.toString()),
                    errors.toString());
            logits[m] = Npy.read(l).toFloats();
            Tolerance.FP32.assertClose(Subject.of("lm logits of " + models[m].getFileName(), "2x5", 0), logits[m],
                    ref.logits(), ref.scale());
        }
        double[] unfolded = new double[logits[0].length];
        for (int i = 0; i < unfolded.length; i++) {
            unfolded[i] = logits[0][i];
        }
        Tolerance.FP32.assertClose(Subject.of("folded vs unfolded lm logits", "2x5", 0), logits[1], unfolded,
                ref.scale());
        for (int m = 0; m < 2; m++) {
            assertEquals(0, run("lm", "generate", "--model", models[m].resolve("model.npz").toString(), "--config",
                    models[m].resolve("config.json").toString(), "--tokenizer",
                    models[m].resolve("meta.json").toString(), "--prompt", "First", "--max-new-tokens", "12",
                    "--greedy"), errors.toString());
            assertTrue(errors.toString().contains("tokens/s"), errors.toString());
        }
    }

    @Test
    void aWeightsFileWithConfigFolds() throws IOException {
        Path out = dir.resolve("out");
        assertEquals(0, run("lm", "fold", "--model", modelDir.resolve("model.npz").toString(), "--config",
                modelDir.resolve("config.json").toString(), "-o", out.toString()), errors.toString());
        assertTrue(Files.isRegularFile(out.resolve("model.npz")));
        assertFalse(Files.exists(out.resolve("meta.json")));
    }

    @Test
    void badInputIsNamedAndWritesNothing() throws IOException {
        Path out = dir.resolve("never");
        expect("is not a directory; a weights file needs --config", "lm", "fold", "--model",
                modelDir.resolve("model.npz").toString(), "-o", out.toString());
        expect("--config is not used with a model directory", "lm", "fold", "--model", modelDir.toString(),
                "--config", modelDir.resolve("config.json").toString(), "-o", out.toString());
        Path layerNorm = dir.resolve("ln");
        Files.createDirectories(layerNorm);
        GptConfig plain = GptConfig.of(CONFIG.vocabSize(), 16, 2, 2, 12, true, 0.0);
        Npz.write(layerNorm.resolve("model.npz"), GptWeights.random(plain, 1).stateDict());
        Files.writeString(layerNorm.resolve("config.json"), plain.toJson());
        expect("only a PRepBN model", "lm", "fold", "--model", layerNorm.toString(), "-o", out.toString());
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        expect("--config (" + empty.resolve("config.json") + "): no such file", "lm", "fold", "--model",
                empty.toString(), "-o", out.toString());
        Files.writeString(modelDir.resolve("config.json"), CONFIG.withNorm(NormKind.PREPBN, 0, 0).toJson()
                .replace("\"prepbn\"", "\"prepbm\""));
        expect("field \"norm\"", "lm", "fold", "--model", modelDir.toString(), "-o", out.toString());
        Files.writeString(modelDir.resolve("config.json"), CONFIG.toJson());
        Path file = dir.resolve("file");
        Files.writeString(file, "x");
        expect("-o (" + file + ") exists and is not a directory", "lm", "fold", "--model", modelDir.toString(), "-o",
                file.toString());
        expect("is the input model directory", "lm", "fold", "--model", modelDir.toString(), "-o",
                modelDir.toString());
        assertFalse(Files.exists(out), "nothing written");
        assertArrayEquals(new byte[] {'x'}, Files.readAllBytes(file));
    }

    private int run(String... args) {
        errors.getBuffer().setLength(0);
        return Main.run(new PrintWriter(errors, true), args);
    }

    private void expect(String message, String... args) {
        assertEquals(2, run(args), "exit of " + String.join(" ", args) + ": " + errors);
        assertTrue(errors.toString().contains(message), "expected '" + message + "' in: " + errors);
    }
}
