package dev.squall.engine.model;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.io.Safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a GPT's weights from the checkpoint files people have:
 * <ul>
 *   <li>{@code .npz} with nanoGPT's state-dict names (e.g. {@code np.savez(f, **{k: v.cpu().numpy() for k, v in
 *       model.state_dict().items()})}); the {@code _orig_mod.} prefix of a {@code torch.compile}d model is removed,
 *       as nanoGPT's own loader does;</li>
 *   <li>{@code .safetensors} with nanoGPT's names, or Hugging Face GPT-2's ({@code wte.weight},
 *       {@code h.{i}.attn.c_attn.weight}, ..., with or without the {@code transformer.} prefix), whose linear
 *       weights are {@code Conv1D}s stored {@code [in, out]} and are transposed onto nanoGPT's {@code [out, in]}
 *       (recognised by the shape of {@code c_attn.weight}: {@code [C, 3C]}). F32, F16 and BF16 data.</li>
 * </ul>
 * In both, the causal-mask buffers ({@code h.{i}.attn.bias} {@code [1, 1, T, T]}, {@code h.{i}.attn.masked_bias})
 * are ignored; everything else must be a parameter of the config ({@link GptWeights#of}).
 */
public final class GptCheckpoint {
    private static final Pattern MASK_BUFFER = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final Pattern HF_BLOCK = Pattern.compile("h\\.(\\d{1,9})\\.(.+)");
    private static final String[] CONV1D = {"attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight",
        "mlp.c_proj.weight"};

    private GptCheckpoint() {
    }

    /**
     * The weights in {@code file} ({@code .safetensors} by its name, else {@code .npz}), checked against
     * {@code config}. Format errors are {@link IOException}s naming the file; a tensor that does not fit the
     * config is an {@link IllegalArgumentException} naming the tensor and the file.
     */
    public static GptWeights read(Path file, GptConfig config) throws IOException {
        return isSafetensors(file) ? readSafetensors(file, config) : readNpz(file, config);
    }

    /** Whether {@code file} is a safetensors file: by its extension, or a zip file's magic being absent. */
    static boolean isSafetensors(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".safetensors")) {
            return true;
        }
        if (name.endsWith(".npz")) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(2);
            return !(magic.length == 2 && magic[0] == 'P' && magic[1] == 'K');
        }
    }

    /** The weights of a nanoGPT state dict saved as {@code .npz}. */
    public static GptWeights readNpz(Path file, GptConfig config) throws IOException {
        Map<String, NdArray> dict = new LinkedHashMap<>();
        for (Map.Entry<String, NdArray> e : Npz.read(file).entrySet()) {
            String name = e.getKey().startsWith("_orig_mod.") ? e.getKey().substring(10) : e.getKey();
            if (!MASK_BUFFER.matcher(name).matches()) {
                dict.put(name, e.getValue());
            }
        }
        return named(file, () -> GptWeights.of(config, dict));
    }

    /** The weights of a {@code .safetensors} file with nanoGPT's or Hugging Face GPT-2's names. */
    public static GptWeights readSafetensors(Path file, GptConfig config) throws IOException {
        try (Safetensors st = Safetensors.open(file)) {
            Map<String, String> names = new LinkedHashMap<>(); // our name -> name in the file
            for (String stored : st.entries().keySet()) {
                String name = stored.startsWith("_orig_mod.") ? stored.substring(10) : stored;
                if (!MASK_BUFFER.matcher(name).matches()) {
                    names.put(nanoGptName(name), stored);
                }
            }
            Safetensors.Entry cAttn = st.entries().get(names.get(GptWeights.block(0, "attn.c_attn.weight")));
            int c = config.nEmbd();
            boolean conv1d = cAttn != null && cAttn.shape().length == 2 && cAttn.shape()[0] == c
                    && cAttn.shape()[1] == 3 * c;
            Map<String, NdArray> dict = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : names.entrySet()) {
                Safetensors.Entry entry = st.entries().get(e.getValue());
                float[] values = st.floats(e.getValue());
                int[] shape = entry.shape();
                if (conv1d && isConv1d(e.getKey()) && shape.length == 2) {
                    values = transpose(values, shape[0], shape[1]);
                    shape = new int[] {shape[1], shape[0]};
                }
                dict.put(e.getKey(), NdArray.of(values, shape));
            }
            return named(file, () -> GptWeights.of(config, dict));
        }
    }

    /** nanoGPT's name for a tensor named the nanoGPT way or the Hugging Face GPT-2 way; others unchanged. */
    static String nanoGptName(String name) {
        if (name.equals(GptWeights.LM_HEAD)) {
            return name;
        }
        String rest = name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
        if (rest.equals("wte.weight") || rest.equals("wpe.weight") || rest.startsWith("ln_f.")) {
            return "transformer." + rest;
        }
        Matcher m = HF_BLOCK.matcher(rest);
        return m.matches() ? GptWeights.block(Integer.parseInt(m.group(1)), m.group(2)) : name;
    }

    private static boolean isConv1d(String name) {
        for (String suffix : CONV1D) {
            if (name.startsWith("transformer.h.") && name.endsWith("." + suffix)) {
                return true;
            }
        }
        return false;
    }

    /** {@code [rows, cols]} → {@code [cols, rows]}. */
    public static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    private interface Load {
        GptWeights load();
    }

    private static GptWeights named(Path file, Load load) {
        try {
            return load.load();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
