package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.Gradients;
import dev.squall.engine.train.Recompute;
import dev.squall.engine.train.TrainOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code squall lm grad} through real files: the loss on standard output and one gradient per parameter under its
 * own name (the tied embedding once), equal to the library's {@link GptTrainer#gradients} (itself checked against
 * float64 finite differences in the engine's tests); bad input named, exit 2, an existing output untouched.
 */
class LmGradCliTest extends CliFiles {
    private static final GptConfig CONFIG = GptConfig.of(13, 8, 2, 2, 6, true, 0.0);

    private GptWeights weights;
    private String model;
    private String config;

    @BeforeEach
    void files() throws IOException {
        weights = GptWeights.random(CONFIG, 5);
        model = dir.resolve("ckpt.npz").toString();
        Npz.write(Path.of(model), weights.stateDict());   // with lm_head.weight = wte, as nanoGPT saves it
        config = dir.resolve("config.json").toString();
        Files.writeString(Path.of(config), CONFIG.toJson());
    }

    @Test
    void writesEveryGradientOnceAndPrintsTheLoss() throws IOException {
        int[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 0, 0, 3, 3, 2, 11, 10, 9};   // [2, 9]: T = 8 = block_size
        Path batch = dir.resolve("x.npy");
        Npy.write(batch, NdArray.of(x, 2, 9));
        Path out = dir.resolve("g.npz");
        for (String attention : new String[] {"fused", "unfused", "fused:selective", "unfused:full"}) {
            String recompute = attention.contains(":") ? attention.substring(attention.indexOf(':') + 1) : "none";
            attention = attention.replaceAll(":.*", "");
            String stdout = stdout(0, "lm", "grad", "--model", model, "--config", config, "--batch", batch.toString(),
                    "-o", out.toString(), "--attention", attention, "--recompute", recompute);
            Map<String, NdArray> g = Npz.read(out);
            assertEquals(weights.tensors().keySet(), g.keySet(), "one gradient per parameter, tied head once");
            assertFalse(g.containsKey(GptWeights.LM_HEAD));
            Gradients want;
            try (JvmBackend backend = new JvmBackend(1);
                 GptTrainer t = new GptTrainer(GptWeights.random(CONFIG, 5), TrainOptions.defaults(1)
                         .withAttention(TrainOptions.Attention.valueOf(attention.toUpperCase())), backend, 2, 8)) {
                want = t.gradients(x);
            }
            assertEquals("loss: " + want.loss() + "\n", stdout);
            for (Map.Entry<String, NdArray> e : want.gradients().entrySet()) {
                assertArrayEquals(e.getValue().shape(), g.get(e.getKey()).shape(), e.getKey());
                assertArrayEquals((float[]) e.getValue().data(), g.get(e.getKey()).toFloats(), e.getKey());
            }
        }
    }

    @Test
    void actCompressGivesTheLibrarysCompressedGradients() throws IOException {
        int[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 0, 0, 3, 3, 2, 11, 10, 9};
        Path batch = dir.resolve("x.npy");
        Npy.write(batch, NdArray.of(x, 2, 9));
        Path out = dir.resolve("g8.npz");
        stdout(0, "lm", "grad", "--model", model, "--config", config, "--batch", batch.toString(), "-o", out.toString(),
                "--act-compress", "int8", "--recompute", "selective");
        Map<String, NdArray> g = Npz.read(out);
        Gradients want;
        try (JvmBackend backend = new JvmBackend(1);
             GptTrainer t = new GptTrainer(GptWeights.random(CONFIG, 5), TrainOptions.defaults(1), Recompute.SELECTIVE,
                     ActivationCodec.INT8, backend, 2, 8)) {
            want = t.gradients(x);
        }
        for (Map.Entry<String, NdArray> e : want.gradients().entrySet()) {
            assertArrayEquals((float[]) e.getValue().data(), g.get(e.getKey()).toFloats(), e.getKey());
        }
    }

    @Test
    void badInputIsNamedAndWritesNothing() throws IOException {
        Path out = dir.resolve("keep.npz");
        Npz.write(out, Map.of("a", NdArray.of(new float[] {42f}, 1)));
        byte[] before = Files.readAllBytes(out);
        expectGrad(NdArray.of(new int[] {1, 2, 13, 4}, 2, 2), out, "--batch: batch[1, 0] = 13 is not a token: vocab_size is 13");
        expectGrad(NdArray.of(new int[] {1, -1, 3, 4}, 1, 4), out, "--batch: batch[0, 1] = -1");
        expectGrad(NdArray.of(new int[10], 1, 10), out, "--batch: T+1 = 10 exceeds block_size+1 = 9");
        expectGrad(NdArray.of(new int[4], 4), out, "--batch must have rank 2");
        expectGrad(NdArray.of(new int[4], 4, 1), out, "--batch must be [B, T+1] with B >= 1 and T+1 >= 2");
        expectGrad(NdArray.of(new float[] {1, 2}, 1, 2), out, "--batch must be int32 (or int64) [B, T+1], got float32[1, 2]");
        assertArrayEquals(before, Files.readAllBytes(out), "the existing output is untouched");
        Path batch = dir.resolve("ok.npy");
        Npy.write(batch, NdArray.of(new int[] {1, 2, 3}, 1, 3));
        expect(2, "--attention must be fused or unfused, got 'flash'", "lm", "grad", "--model", model, "--config",
                config, "--batch", batch.toString(), "-o", out.toString(), "--attention", "flash");
        expect(2, "--act-compress: expected none|int8|int4|int2[:G], got 'int3'", "lm", "grad", "--model", model,
                "--config", config, "--batch", batch.toString(), "-o", out.toString(), "--act-compress", "int3");
        expect(2, "--recompute must be none, selective or full, got 'all'", "lm", "grad", "--model", model, "--config",
                config, "--batch", batch.toString(), "-o", out.toString(), "--recompute", "all");
        String missing = dir.resolve("missing.npz").toString();
        expect(2, "--model (" + missing + "): no such file", "lm", "grad", "--model", missing, "--config", config,
                "--batch", batch.toString(), "-o", out.toString());
        expect(2, "--batch (" + missing + ")", "lm", "grad", "--model", model, "--config", config,
                "--batch", missing, "-o", out.toString());
        expect(2, "no such directory", "lm", "grad", "--model", model, "--config", config, "--batch", batch.toString(),
                "-o", dir.resolve("nowhere/g.npz").toString());
        assertArrayEquals(before, Files.readAllBytes(out), "the existing output is untouched");
    }

    private void expectGrad(NdArray x, Path out, String message) throws IOException {
        Path batch = dir.resolve("bad.npy");
        Npy.write(batch, x);
        expect(2, message, "lm", "grad", "--model", model, "--config", config, "--batch", batch.toString(), "-o",
                out.toString());
    }

    private void expect(int exit, String message, String... args) {
        stdout(exit, args);
        assertError(message);
    }
}
