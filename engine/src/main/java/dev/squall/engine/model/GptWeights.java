package dev.squall.engine.model;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The parameters of a GPT decoder as named fp32 tensors, with nanoGPT's state-dict names and layouts
 * (linear weights {@code [out, in]}, as {@code nn.Linear} holds them):
 * <pre>
 *   transformer.wte.weight [V, C]   transformer.wpe.weight [T, C]
 *   transformer.h.{i}.ln_1.weight|bias [C]        transformer.h.{i}.attn.c_attn.weight [3C, C], .bias [3C]
 *   transformer.h.{i}.attn.c_proj.weight [C, C], .bias [C]        transformer.h.{i}.ln_2.weight|bias [C]
 *   transformer.h.{i}.mlp.c_fc.weight [4C, C], .bias [4C]  transformer.h.{i}.mlp.c_proj.weight [C, 4C], .bias [C]
 *   transformer.ln_f.weight|bias [C]              lm_head.weight [V, C] only when it differs from wte (untied)
 * </pre>
 * Biases exist only when the config says {@code bias}; without them {@link #vector} gives zeros.
 *
 * <p>With {@code "norm": "prepbn"} every norm {@code P} ({@code transformer.h.{i}.ln_1}, {@code .ln_2},
 * {@code transformer.ln_f}) is a PRepBN: its LayerNorm branch keeps the names above ({@code P.weight}, and
 * {@code P.bias} with biases), its RepBN adds {@code P.bn.weight}, {@code P.bn.bias}, {@code P.bn.running_mean},
 * {@code P.bn.running_var} [C] (an {@code nn.BatchNorm1d} named {@code bn}, bias always present) and
 * {@code P.alpha} [1]; PyTorch's {@code P.bn.num_batches_tracked} is accepted and ignored. With
 * {@code "norm": "folded"} the blocks have no norms and {@code transformer.ln_f} has only its RepBN tensors. The map holds
 * the parameters themselves (the arrays the graphs read, shared, not copied), so a trainer can update them in
 * place. {@link GptCheckpoint} reads them from {@code .npz} and {@code .safetensors} files.
 */
public final class GptWeights {
    /** The name of the token embedding. */
    public static final String WTE = "transformer.wte.weight";
    /** The name of the position embedding. */
    public static final String WPE = "transformer.wpe.weight";
    /** The name of an untied output head. */
    public static final String LM_HEAD = "lm_head.weight";

    private final GptConfig config;
    private final Map<String, NdArray> tensors;

    private GptWeights(GptConfig config, Map<String, NdArray> tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    /**
     * The weights of {@code tensors} (fp32 or fp16, nanoGPT names), checked against {@code config}: every
     * parameter present with its shape, no other tensor (an {@code lm_head.weight} equal to {@code wte} is the
     * tied head and dropped). Throws an {@link IllegalArgumentException} naming the first missing, mis-shaped or
     * unexpected tensor.
     */
    public static GptWeights of(GptConfig config, Map<String, NdArray> tensors) {
        Map<String, int[]> expected = shapes(config);
        Map<String, NdArray> held = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, NdArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.equals(LM_HEAD) || name.endsWith(".bn.num_batches_tracked")) {
                continue;
            }
            if (!expected.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException("unexpected tensors " + unexpected + (config.bias() ? ""
                    : " (the config says bias: false)") + "; a GPT with n_layer=" + config.nLayer() + " has "
                    + String.join(", ", expected.keySet().stream().limit(4).toList()) + ", ...");
        }
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            NdArray a = tensors.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("missing tensor " + e.getKey() + " " + Arrays.toString(e.getValue())
                        + " (config: n_layer=" + config.nLayer() + ", bias=" + config.bias() + ")");
            }
            held.put(e.getKey(), checked(e.getKey(), a, e.getValue()));
        }
        NdArray head = tensors.get(LM_HEAD);
        if (head != null) {
            NdArray h = checked(LM_HEAD, head, new int[] {config.vocabSize(), config.nEmbd()});
            if (!Arrays.equals((float[]) h.data(), (float[]) held.get(WTE).data())) {
                held.put(LM_HEAD, h);
            }
        }
        return new GptWeights(config, Collections.unmodifiableMap(held));
    }

    /**
     * Random weights with nanoGPT's initial scales (normal, standard deviation 0.02, the residual projections
     * {@code 0.02/√(2·n_layer)}), and biases and LayerNorm parameters drawn around their initial values
     * (0 and 1, spread 0.02 and 0.1) so that every parameter affects the output; reproducible from {@code seed}.
     */
    public static GptWeights random(GptConfig config, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double proj = 0.02 / Math.sqrt(2.0 * config.nLayer());
        Map<String, NdArray> m = new LinkedHashMap<>();
        shapes(config).forEach((name, shape) -> {
            float[] v = new float[size(shape)];
            boolean norm = name.contains(".ln_");
            double center = norm && (name.endsWith(".weight") || name.endsWith(".running_var")
                    || name.endsWith(".alpha")) ? 1 : 0;
            double std = norm ? 0.1 : name.endsWith(".bias") ? 0.02
                    : name.endsWith("c_proj.weight") ? proj : 0.02;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (center + std * rnd.nextGaussian());
            }
            m.put(name, NdArray.of(v, shape));
        });
        return new GptWeights(config, Collections.unmodifiableMap(m));
    }

    /** The config the weights were checked against. */
    public GptConfig config() {
        return config;
    }

    /** The tensors by name, in nanoGPT's order (no {@code lm_head.weight} when the head is tied). */
    public Map<String, NdArray> tensors() {
        return tensors;
    }

    /** The fp32 values of tensor {@code name} (the held array itself). */
    public float[] tensor(String name) {
        NdArray a = tensors.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return (float[]) a.data();
    }

    /** A LayerNorm or bias vector of {@code size} values: the tensor, or zeros when the model has no biases. */
    public float[] vector(String name, int size) {
        NdArray a = tensors.get(name);
        return a != null ? (float[]) a.data() : new float[size];
    }

    /** The token embedding {@code [V, C]}. */
    public float[] wte() {
        return tensor(WTE);
    }

    /** The position embedding {@code [T, C]}. */
    public float[] wpe() {
        return tensor(WPE);
    }

    /** The output head {@code [V, C]}: {@code lm_head.weight} when untied, else {@code wte}. */
    public float[] head() {
        return tensors.containsKey(LM_HEAD) ? tensor(LM_HEAD) : wte();
    }

    /** The state dict to save: the tensors, plus {@code lm_head.weight} (= wte) when tied, as nanoGPT saves it. */
    public Map<String, NdArray> stateDict() {
        Map<String, NdArray> m = new LinkedHashMap<>(tensors);
        m.putIfAbsent(LM_HEAD, tensors.get(WTE));
        return m;
    }

    /** Name of block {@code i}'s parameter {@code suffix}, e.g. {@code block(3, "ln_1.weight")}. */
    public static String block(int i, String suffix) {
        return "transformer.h." + i + "." + suffix;
    }

    /** Every parameter's name and shape for {@code config}, in nanoGPT's order. */
    public static Map<String, int[]> shapes(GptConfig config) {
        int c = config.nEmbd();
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put(WTE, new int[] {config.vocabSize(), c});
        m.put(WPE, new int[] {config.blockSize(), c});
        boolean blockNorms = config.norm() != NormKind.FOLDED;
        for (int i = 0; i < config.nLayer(); i++) {
            if (blockNorms) {
                norm(m, config, block(i, "ln_1"), c);
            }
            linear(m, config, block(i, "attn.c_attn"), 3 * c, c);
            linear(m, config, block(i, "attn.c_proj"), c, c);
            if (blockNorms) {
                norm(m, config, block(i, "ln_2"), c);
            }
            linear(m, config, block(i, "mlp.c_fc"), 4 * c, c);
            linear(m, config, block(i, "mlp.c_proj"), c, 4 * c);
        }
        norm(m, config, LN_F, c);
        return m;
    }

    /** The prefix of the final norm. */
    public static final String LN_F = "transformer.ln_f";

    /** The RepBN tensors of norm {@code prefix} (e.g. {@code transformer.h.0.ln_1}), in their order. */
    public static List<String> repBnNames(String prefix) {
        return List.of(prefix + ".bn.weight", prefix + ".bn.bias", prefix + ".bn.running_mean",
                prefix + ".bn.running_var", prefix + ".alpha");
    }

    private static void norm(Map<String, int[]> m, GptConfig config, String prefix, int c) {
        boolean layerNorm = config.norm() != NormKind.FOLDED;
        if (layerNorm) {
            m.put(prefix + ".weight", new int[] {c});
            if (config.bias()) {
                m.put(prefix + ".bias", new int[] {c});
            }
        }
        if (config.norm() != NormKind.LAYERNORM) {
            for (String name : repBnNames(prefix)) {
                m.put(name, name.endsWith(".alpha") ? new int[] {1} : new int[] {c});
            }
        }
    }

    private static void linear(Map<String, int[]> m, GptConfig config, String prefix, int out, int in) {
        m.put(prefix + ".weight", new int[] {out, in});
        if (config.bias()) {
            m.put(prefix + ".bias", new int[] {out});
        }
    }

    /** {@code a} as fp32 of {@code shape}, or an error naming the tensor. */
    private static NdArray checked(String name, NdArray a, int[] shape) {
        if (!Arrays.equals(a.shape(), shape)) {
            throw new IllegalArgumentException("tensor " + name + " must be " + Arrays.toString(shape) + ", got "
                    + a.describe());
        }
        if (a.dtype() != DType.FLOAT32 && a.dtype() != DType.FLOAT16) {
            throw new IllegalArgumentException("tensor " + name + " must be float32 or float16, got " + a.describe());
        }
        return a.dtype() == DType.FLOAT32 ? a : NdArray.of(a.toFloats(), shape);
    }

    static int size(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }
}
