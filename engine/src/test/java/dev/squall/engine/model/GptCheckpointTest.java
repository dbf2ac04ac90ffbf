package dev.squall.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.JsonFormatException;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.io.SafetensorsFormatException;
import dev.squall.engine.io.SafetensorsWriter;
import dev.squall.tasks.activation.Activations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints and configs: nanoGPT state dicts in {@code .npz} (tied {@code lm_head}, mask buffers and the
 * {@code torch.compile} prefix as nanoGPT saves them), Hugging Face GPT-2 {@code .safetensors} (Conv1D weights
 * transposed onto nanoGPT's layout) in F32, F16 and BF16, both configs; and every mismatch named.
 */
class GptCheckpointTest {
    private static final GptConfig CONFIG = GptConfig.of(11, 7, 2, 2, 6, true, 0.0);

    @TempDir
    Path dir;

    @Test
    void nanoGptNpzAsSaved() throws IOException {
        GptWeights w = GptWeights.random(CONFIG, 4);
        Map<String, NdArray> dict = new LinkedHashMap<>();
        w.stateDict().forEach((k, v) -> dict.put("_orig_mod." + k, v));
        dict.put("_orig_mod.transformer.h.0.attn.bias", NdArray.of(new float[49], 1, 1, 7, 7));
        dict.put("transformer.h.1.attn.masked_bias", NdArray.of(new float[] {-1e4f}));
        Path f = dir.resolve("ckpt.npz");
        Npz.write(f, dict);
        GptWeights back = GptCheckpoint.read(f, CONFIG);
        assertEquals(w.tensors().keySet(), back.tensors().keySet(), "the tied lm_head is dropped");
        w.tensors().forEach((k, v) -> assertArrayEquals((float[]) v.data(), back.tensor(k), k));
    }

    @Test
    void untiedHeadIsKept() throws IOException {
        GptWeights w = GptWeights.random(CONFIG, 5);
        Map<String, NdArray> dict = new LinkedHashMap<>(w.tensors());
        float[] head = w.wte().clone();
        head[3] += 1;
        dict.put(GptWeights.LM_HEAD, NdArray.of(head, 11, 6));
        assertArrayEquals(head, GptWeights.of(CONFIG, dict).head());
    }

    @Test
    void huggingFaceSafetensorsInEveryDtype() throws IOException {
        GptWeights w = GptWeights.random(CONFIG, 6);
        for (String dtype : new String[] {"F32", "F16", "BF16"}) {
            for (String prefix : new String[] {"", "transformer."}) {
                Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
                w.tensors().forEach((name, a) -> {
                    String hf = name.replace("transformer.", prefix);
                    float[] v = (float[]) a.data();
                    int[] shape = a.shape();
                    if (shape.length == 2 && name.startsWith("transformer.h.")) {
                        v = GptCheckpoint.transpose(v, shape[0], shape[1]);
                        shape = new int[] {shape[1], shape[0]};
                    }
                    t.put(hf, new SafetensorsWriter.Tensor(v, shape, dtype));
                });
                t.put(prefix + "h.0.attn.bias", new SafetensorsWriter.Tensor(new float[49], new int[] {1, 1, 7, 7}, "F32"));
                Path f = dir.resolve("model.safetensors");
                SafetensorsWriter.write(f, t);
                GptWeights back = GptCheckpoint.read(f, CONFIG);
                w.tensors().forEach((name, a) -> {
                    float[] expected = ((float[]) a.data()).clone();
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] = switch (dtype) {
                            case "F16" -> Float.float16ToFloat(Float.floatToFloat16(expected[i]));
                            case "BF16" -> Float.intBitsToFloat(Float.floatToRawIntBits(expected[i]) & 0xFFFF0000);
                            default -> expected[i];
                        };
                    }
                    assertArrayEquals(expected, back.tensor(name), dtype + " " + prefix + name);
                });
            }
        }
    }

    @Test
    void nanoGptNamedSafetensorsAreNotTransposed() throws IOException {
        GptWeights w = GptWeights.random(CONFIG, 7);
        Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
        w.tensors().forEach((name, a) -> t.put(name, new SafetensorsWriter.Tensor((float[]) a.data(), a.shape(), "F32")));
        Path f = dir.resolve("nano.safetensors");
        SafetensorsWriter.write(f, t);
        assertArrayEquals(w.tensor(GptWeights.block(1, "attn.c_proj.weight")),
                GptCheckpoint.read(f, CONFIG).tensor(GptWeights.block(1, "attn.c_proj.weight")));
    }

    @Test
    void mismatchesAreNamed() throws IOException {
        GptWeights w = GptWeights.random(CONFIG, 8);
        Path f = dir.resolve("w.npz");
        Npz.write(f, w.stateDict());
        expect(f, GptConfig.of(11, 7, 3, 2, 6, true, 0), "missing tensor transformer.h.2.ln_1.weight");
        expect(f, GptConfig.of(12, 7, 2, 2, 6, true, 0), "tensor transformer.wte.weight must be [12, 6], got float32[11, 6]");
        expect(f, GptConfig.of(11, 7, 1, 2, 6, true, 0), "unexpected tensors [transformer.h.1.ln_1.weight");
        expect(f, GptConfig.of(11, 7, 2, 2, 6, false, 0), "(the config says bias: false)");
        Map<String, NdArray> ints = new LinkedHashMap<>(w.tensors());
        ints.put("transformer.ln_f.bias", NdArray.of(new int[6], 6));
        Npz.write(f, ints);
        expect(f, CONFIG, "tensor transformer.ln_f.bias must be float32 or float16, got int32[6]");

        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {16, 0, 0, 0, 0, 0, 0, 0, '{'});
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> GptCheckpoint.read(bad, CONFIG));
        assertTrue(e.getMessage().contains("truncated header"), e.getMessage());
    }

    private static void expect(Path f, GptConfig config, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GptCheckpoint.read(f, config));
        assertTrue(e.getMessage().contains(part) && e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    @Test
    void configsAreStrict() throws IOException {
        GptConfig c = GptConfig.parse(CONFIG.toJson(), "c");
        assertEquals(CONFIG, c);
        for (String[] bad : new String[][] {
                {"{\"vocab_size\": 5, \"block_size\": 4, \"n_layer\": 1, \"n_head\": 1, \"n_embd\": 4, \"bias\": true,"
                        + " \"dropout\": 0, \"n_kv_head\": 1}", "unknown field \"n_kv_head\""},
                {"{\"vocab_size\": 5, \"block_size\": 4, \"n_layer\": 1, \"n_head\": 1, \"n_embd\": 4, \"bias\": true}",
                        "missing field \"dropout\""},
                {"{\"vocab_size\": 5, \"block_size\": 4, \"n_layer\": 1, \"n_head\": 3, \"n_embd\": 4, \"bias\": true,"
                        + " \"dropout\": 0}", "n_head (3) must divide n_embd (4)"},
                {"{\"vocab_size\": 5.5, \"block_size\": 4, \"n_layer\": 1, \"n_head\": 1, \"n_embd\": 4, \"bias\": true,"
                        + " \"dropout\": 0}", "\"vocab_size\" must be an integer"},
                {"{\"vocab_size\": 5, \"block_size\": 4, \"n_layer\": 1, \"n_head\": 1, \"n_embd\": 4, \"bias\": 1,"
                        + " \"dropout\": 0}", "\"bias\" must be true or false"},
                {"{\"vocab_size\": 5, \"block_size\": 4, \"n_layer\": 0, \"n_head\": 1, \"n_embd\": 4, \"bias\": true,"
                        + " \"dropout\": 0}", "n_layer must be >= 1"}}) {
            JsonFormatException e = assertThrows(JsonFormatException.class, () -> GptConfig.parse(bad[0], "cfg.json"));
            assertTrue(e.getMessage().startsWith("cfg.json: ") && e.getMessage().contains(bad[1]), e.getMessage());
        }
        Path hf = dir.resolve("config.json");
        Files.writeString(hf, "{\"activation_function\": \"gelu_new\", \"architectures\": [\"GPT2LMHeadModel\"],"
                + " \"layer_norm_epsilon\": 1e-05, \"model_type\": \"gpt2\", \"n_ctx\": 1024, \"n_embd\": 768,"
                + " \"n_head\": 12, \"n_layer\": 12, \"n_positions\": 1024, \"vocab_size\": 50257}");
        GptConfig gpt2 = GptConfig.read(hf);
        assertEquals(new GptConfig(50257, 1024, 12, 12, 768, true, 0, Activations.GELU_TANH, 1e-5f), gpt2);
        Files.writeString(hf, CONFIG.toJson());
        assertFalse(GptConfig.read(hf).activation() == Activations.GELU_TANH, "nanoGPT's config: exact GELU");
    }
}
