package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.io.SafetensorsWriter;
import dev.squall.engine.model.GptCheckpoint;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.ReferenceGpt;
import dev.squall.engine.tokenizer.CharTokenizer;
import dev.squall.tasks.testing.Tolerance;
import dev.squall.tasks.testing.Subject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code squall lm logits|generate} through real files: logits against the float64 reference for int32 and int64
 * tokens; generation with a character tokenizer, GPT-2 BPE files, token ids, every option; and bad input named,
 * exit 2, no output written (an existing output left as it was).
 */
class LmCliTest {
    private static final String TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n";
    private static final GptConfig CONFIG = GptConfig.of(CharTokenizer.fromText(TEXT).vocabSize(), 16, 2, 2, 12, true, 0.0);

    @TempDir
    Path dir;

    private final StringWriter errors = new StringWriter();
    private GptWeights weights;
    private String model;
    private String config;

    @BeforeEach
    void files() throws IOException {
        weights = GptWeights.random(CONFIG, 3);
        model = dir.resolve("ckpt.npz").toString();
        Npz.write(Path.of(model), weights.stateDict());
        config = dir.resolve("config.json").toString();
        Files.writeString(Path.of(config), CONFIG.toJson());
        CharTokenizer.fromText(TEXT).write(dir.resolve("meta.json"));
    }

    @Test
    void logitsOfInt64AndInt32TokensMatchFloat64() throws IOException {
        int[] ids = {0, 5, CONFIG.vocabSize() - 1, 3, 7, 1, 2, 9, 4, 4};
        long[] wide = java.util.Arrays.stream(ids).asLongStream().toArray();
        for (NdArray tokens : new NdArray[] {NdArray.of(wide, 2, 5), NdArray.of(ids, 2, 5)}) {
            Path t = dir.resolve("t.npy");
            Npy.write(t, tokens);
            Path out = dir.resolve("l.npy");
            assertEquals(0, run("lm", "logits", "--model", model, "--config", config, "--tokens", t.toString(), "-o",
                    out.toString()), errors.toString());
            NdArray l = Npy.read(out);
            assertArrayEquals(new int[] {2, 5, CONFIG.vocabSize()}, l.shape());
            ReferenceGpt.Result ref = ReferenceGpt.forward(weights, ids, 2, 5);
            Tolerance.FP32.assertClose(Subject.of("lm logits", tokens.describe(), 0), l.toFloats(), ref.logits(),
                    ref.scale());
        }
    }

    @Test
    void badLogitsInputIsNamedAndWritesNothing() throws IOException {
        Path out = dir.resolve("keep.npy");
        Npy.write(out, NdArray.of(new float[] {42f}, 1));
        byte[] before = Files.readAllBytes(out);
        String v = String.valueOf(CONFIG.vocabSize());
        expectLogits(NdArray.of(new int[] {1, CONFIG.vocabSize()}, 1, 2), out, "--tokens: token " + v + " at [0, 1] is outside the vocabulary [0, " + v + ")");
        expectLogits(NdArray.of(new long[] {-1, 2}, 1, 2), out, "--tokens: token -1 at [0, 0]");
        expectLogits(NdArray.of(new long[] {1L << 40}, 1, 1), out, "--tokens: element 0 of int64[1, 1] is 1099511627776");
        expectLogits(NdArray.of(new int[17], 1, 17), out, "T'=17 exceeds block_size=16");
        expectLogits(NdArray.of(new float[] {1, 2}, 1, 2), out, "--tokens must be int32 or int64, got float32[1, 2]");
        expectLogits(NdArray.of(new int[8], 2, 2, 2), out, "--tokens must have rank 1 or 2");
        assertArrayEquals(before, Files.readAllBytes(out), "the existing output is untouched");

        Path tokens = dir.resolve("ok.npy");
        Npy.write(tokens, NdArray.of(new int[] {1, 2}, 1, 2));
        Files.writeString(Path.of(config), GptConfig.of(CONFIG.vocabSize(), 16, 3, 2, 12, true, 0).toJson());
        expect(2, "--model: " + model + ": missing tensor transformer.h.2.ln_1.weight", "lm", "logits", "--model", model,
                "--config", config, "--tokens", tokens.toString(), "-o", out.toString());
        Files.writeString(Path.of(config), "{\"vocab_size\": 5, \"n_layers\": 2}");
        expect(2, "unknown field \"n_layers\"", "lm", "logits", "--model", model, "--config", config, "--tokens",
                tokens.toString(), "-o", out.toString());
        Files.writeString(Path.of(config), CONFIG.toJson());
        Path truncated = dir.resolve("cut.safetensors");
        Files.write(truncated, java.util.Arrays.copyOf(SafetensorsWriter.bytes(Map.of("wte.weight",
                new SafetensorsWriter.Tensor(new float[4], new int[] {2, 2}, "F32")), Map.of()), 20));
        expect(2, "truncated header", "lm", "logits", "--model", truncated.toString(), "--config", config, "--tokens",
                tokens.toString(), "-o", out.toString());
        String missing = dir.resolve("missing.npz").toString();
        expect(2, "--model (" + missing + "): no such file", "lm", "logits", "--model", missing, "--config", config,
                "--tokens", tokens.toString(), "-o", out.toString());
        expect(2, "--config (" + missing + "): no such file", "lm", "logits", "--model", model, "--config", missing,
                "--tokens", tokens.toString(), "-o", out.toString());
        expect(2, "-o (" + dir.resolve("no/l.npy") + "): no such directory", "lm", "logits", "--model", model,
                "--config", config, "--tokens", tokens.toString(), "-o", dir.resolve("no/l.npy").toString());
        expect(2, "--weights: unknown weight format", "lm", "logits", "--model", model, "--config", config, "--tokens",
                tokens.toString(), "--weights", "q3", "-o", out.toString());
        assertArrayEquals(before, Files.readAllBytes(out), "the existing output is untouched");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
        }
    }

    private void expectLogits(NdArray tokens, Path out, String message) throws IOException {
        Path t = dir.resolve("bad.npy");
        Npy.write(t, tokens);
        expect(2, message, "lm", "logits", "--model", model, "--config", config, "--tokens", t.toString(), "-o",
                out.toString());
    }

    @Test
    void generateStreamsTextDeterministically() {
        String[] base = {"lm", "generate", "--model", model, "--config", config, "--prompt", "First"};
        base = concat(base, "--max-new-tokens", "20");
        String a = generate(concat(base, "--temperature", "0.8", "--top-k", "5", "--top-p", "0.9", "--seed", "7"));
        assertTrue(a.startsWith("First") && a.length() > 20, a);
        assertTrue(errors.toString().contains("prefill: 5 tokens") && errors.toString().contains("tokens/s"), errors.toString());
        assertEquals(a, generate(concat(base, "--temperature", "0.8", "--top-k", "5", "--top-p", "0.9", "--seed", "7",
                "--threads", "1")), "same seed, same text, any thread count");
        assertNotEquals(a, generate(concat(base, "--temperature", "0.8", "--seed", "8")));
        String greedy = generate(concat(base, "--greedy"));
        assertEquals(greedy, generate(concat(base, "--greedy", "--tokenizer", dir.resolve("meta.json").toString())));
        generate("lm", "generate", "--model", model, "--config", config, "--prompt", "First", "--greedy", "--kv",
                "int8", "--weights", "q8_0", "--pattern", "local:4", "--max-new-tokens", "40");
        assertTrue(errors.toString().contains("context shift"), "40 tokens after 5 pass block_size 16: " + errors);
        String ids = generate("lm", "generate", "--model", model, "--config", config, "--prompt-tokens", "1,2,3",
                "--max-new-tokens", "4", "--greedy", "--tokenizer", dir.resolve("meta.json").toString());
        assertFalse(ids.isEmpty());
    }

    @Test
    void badGenerateInputIsNamed() throws IOException {
        String[] base = {"lm", "generate", "--model", model, "--config", config, "--max-new-tokens", "3"};
        expect(2, "--prompt: character 'Z' (U+005A) is not among", concat(base, "--prompt", "Z"));
        expect(2, "--pattern dilated:2:2: generation with a KV cache supports dense attention and local:W",
                concat(base, "--pattern", "dilated:2:2"));
        expect(2, "--prompt-tokens: token 99 at 1", concat(base, "--prompt-tokens", "1,99"));
        expect(2, "--temperature must be > 0", concat(base, "--temperature", "0"));
        expect(2, "--top-p must be in (0, 1]", concat(base, "--top-p", "1.5"));
        expect(2, "--kv: KV cache must be fp32 or int8", concat(base, "--kv", "int4"));
        expect(2, "--vocab needs --merges", concat(base, "--vocab", config));
        Files.delete(dir.resolve("meta.json"));
        expect(2, "--prompt needs a tokenizer", base);
    }

    @Test
    void huggingFaceGpt2FilesGenerate() throws IOException {
        // a GPT-2-shaped checkpoint: Conv1D weights [in, out] in F16, config.json, vocab.json and merges.txt beside it
        GptConfig c = GptConfig.of(258, 16, 1, 2, 8, true, 0.0);
        GptWeights w = GptWeights.random(c, 9);
        Path hf = Files.createDirectory(dir.resolve("hf"));
        Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
        w.tensors().forEach((name, a) -> {
            float[] v = (float[]) a.data();
            int[] shape = a.shape();
            if (shape.length == 2 && name.startsWith("transformer.h.")) {
                v = GptCheckpoint.transpose(v, shape[0], shape[1]);
                shape = new int[] {shape[1], shape[0]};
            }
            t.put(name.replace("transformer.", ""), new SafetensorsWriter.Tensor(v, shape, "F16"));
        });
        SafetensorsWriter.write(hf.resolve("model.safetensors"), t);
        Files.writeString(hf.resolve("config.json"), "{\"model_type\": \"gpt2\", \"activation_function\": \"gelu_new\","
                + " \"vocab_size\": 258, \"n_positions\": 16, \"n_layer\": 1, \"n_head\": 2, \"n_embd\": 8, \"n_ctx\": 16}");
        Map<String, Integer> vocab = dev.squall.engine.tokenizer.Gpt2TokenizerTest.byteVocab();
        vocab.put("Ġt", 256);
        vocab.put("<|endoftext|>", 257);
        Files.writeString(hf.resolve("vocab.json"), dev.squall.engine.io.Json.write(vocab));
        Files.writeString(hf.resolve("merges.txt"), "#version: 0.2\nĠ t\n");
        String text = generate("lm", "generate", "--model", hf.resolve("model.safetensors").toString(), "--config",
                hf.resolve("config.json").toString(), "--prompt", "Hello\n\n the café", "--max-new-tokens", "12",
                "--seed", "3");
        assertTrue(text.startsWith("Hello\n\n the café"), text);
    }

    @Test
    void encoderStackMatchesChainedReferenceLayers() throws IOException {
        int d = 12;
        int ff = 20;
        var config = dev.squall.engine.layers.BlockConfig.of(d, 3, ff).withNormFirst(true)
                .withActivation(dev.squall.engine.layers.BlockConfig.Activation.GELU);
        Map<String, NdArray> dict = new LinkedHashMap<>();
        var layers = new java.util.ArrayList<dev.squall.engine.layers.BlockWeights>();
        for (int i = 0; i < 3; i++) {
            var bw = dev.squall.engine.layers.BlockWeights.random(d, ff, 10 + i);
            layers.add(bw);
            int layer = i;
            bw.toStateDict().forEach((k, v) -> dict.put("layers." + layer + "." + k, v));
        }
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(4);
        float[] gamma = new float[d];
        float[] beta = new float[d];
        float[] x = new float[2 * 5 * d];
        for (int i = 0; i < d; i++) {
            gamma[i] = (float) (1 + 0.1 * rnd.nextGaussian());
            beta[i] = (float) (0.1 * rnd.nextGaussian());
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        dict.put("norm.weight", NdArray.of(gamma, d));
        dict.put("norm.bias", NdArray.of(beta, d));
        Path w = dir.resolve("encoder.npz");
        Npz.write(w, dict);
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, NdArray.of(x, 2, 5, d));
        Path out = dir.resolve("y.npy");
        for (String fusion : new String[] {"--fused", "--unfused"}) {
            assertEquals(0, run("op", "encoder", xf.toString(), w.toString(), "--heads", "3", "--norm-first",
                    "--activation", "gelu", fusion, "-o", out.toString()), errors.toString());
            float[] y = Npy.read(out).toFloats();
            double[] ref = new double[x.length];
            float[] h = x.clone();
            double[] r = null;
            for (var bw : layers) {
                r = dev.squall.engine.layers.ReferenceBlock.forward(bw, config, h, 2, 5);
                for (int i = 0; i < h.length; i++) {
                    h[i] = (float) r[i];
                }
            }
            double[] scale = new double[x.length];
            for (int row = 0; row < 10; row++) {
                double mean = 0;
                double var = 0;
                for (int c = 0; c < d; c++) {
                    mean += r[row * d + c] / d;
                }
                for (int c = 0; c < d; c++) {
                    var += Math.pow(r[row * d + c] - mean, 2) / d;
                }
                for (int c = 0; c < d; c++) {
                    double n = (r[row * d + c] - mean) / Math.sqrt(var + 1e-5);
                    ref[row * d + c] = n * gamma[c] + beta[c];
                    scale[row * d + c] = 10 * (Math.abs(gamma[c]) * (Math.abs(n) + 1) + Math.abs(beta[c]));
                }
            }
            Tolerance.FP32.assertClose(Subject.of("op encoder " + fusion, "3 layers d=12", 4), y, ref, scale);
        }
        expect(2, "layers must be numbered 0..", "op", "encoder", xf.toString(), renumbered(dict), "--heads", "3",
                "-o", out.toString());
    }

    private String renumbered(Map<String, NdArray> dict) throws IOException {
        Map<String, NdArray> gap = new LinkedHashMap<>();
        dict.forEach((k, v) -> gap.put(k.replace("layers.2.", "layers.5."), v));
        Path p = dir.resolve("gap.npz");
        Npz.write(p, gap);
        return p.toString();
    }

    private String generate(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, run(args), errors.toString());
        } finally {
            System.setOut(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private int run(String... args) {
        errors.getBuffer().setLength(0);
        return Main.run(new PrintWriter(errors, true), args);
    }

    private void expect(int exit, String message, String... args) {
        assertEquals(exit, run(args), "exit of " + String.join(" ", args) + ": " + errors);
        assertTrue(errors.toString().contains(message), "expected '" + message + "' in: " + errors);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
