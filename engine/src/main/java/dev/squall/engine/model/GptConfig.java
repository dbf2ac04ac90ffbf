package dev.squall.engine.model;

import dev.squall.engine.io.Json;
import dev.squall.engine.io.JsonFormatException;
import dev.squall.tasks.activation.Activations;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a GPT decoder, with the field names of nanoGPT's {@code GPTConfig}. Written as JSON:
 * <pre>{"vocab_size": 50304, "block_size": 1024, "n_layer": 12, "n_head": 12, "n_embd": 768, "bias": true,
 *  "dropout": 0.0}</pre>
 * {@link #parse} is strict: every field is required, an unknown field is an error naming it. {@code dropout}
 * is accepted for training and ignored at inference. GPT-2 checkpoints from Hugging Face come with their own
 * {@code config.json} ({@link #fromHuggingFace}); it may also set the LayerNorm epsilon and the GELU form
 * ({@code gelu_new}, GPT-2's tanh approximation, where nanoGPT uses the exact erf form).
 *
 * <p>Three optional fields choose the normalisation ({@link NormKind}): {@code "norm"} ({@code "layernorm"},
 * the default, {@code "prepbn"} or {@code "folded"}), and for PRepBN's training schedule {@code "prepbn_warmup"}
 * (steps with λ = 1, default 0) and {@code "prepbn_steps"} (steps over which λ then falls linearly to 0, default
 * 0). A LayerNorm config is written without them, so it stays nanoGPT's.
 *
 * @param vocabSize  tokens in the vocabulary (rows of {@code wte})
 * @param blockSize  longest context (rows of {@code wpe})
 * @param nLayer     transformer blocks
 * @param nHead      attention heads (divides {@code nEmbd})
 * @param nEmbd      model width
 * @param bias       whether the linear layers and LayerNorms have biases (absent ones are zero)
 * @param dropout    dropout probability, for training (in {@code [0, 1)})
 * @param activation GELU kernel code: {@link Activations#GELU_ERF} (nanoGPT) or {@link Activations#GELU_TANH}
 * @param eps        LayerNorm epsilon (and the BatchNorm epsilon of PRepBN)
 * @param norm       the blocks' normalisation
 * @param prepbnWarmup PRepBN: training steps with λ = 1 (LayerNorm only)
 * @param prepbnSteps  PRepBN: steps after the warm-up over which λ falls linearly from 1 to 0
 */
public record GptConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, boolean bias, double dropout,
                        int activation, float eps, NormKind norm, int prepbnWarmup, int prepbnSteps) {
    /** nanoGPT's field names, in its order. */
    public static final List<String> FIELDS = List.of("vocab_size", "block_size", "n_layer", "n_head", "n_embd",
            "bias", "dropout");
    /** The optional fields of the normalisation, after nanoGPT's. */
    public static final List<String> NORM_FIELDS = List.of("norm", "prepbn_warmup", "prepbn_steps");
    /** nanoGPT's LayerNorm epsilon. */
    public static final float EPS = 1e-5f;

    /** Checks every field. */
    public GptConfig {
        positive("vocab_size", vocabSize);
        positive("block_size", blockSize);
        positive("n_layer", nLayer);
        positive("n_head", nHead);
        positive("n_embd", nEmbd);
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_head (" + nHead + ") must divide n_embd (" + nEmbd + ")");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (activation != Activations.GELU_ERF && activation != Activations.GELU_TANH) {
            throw new IllegalArgumentException("activation must be exact or tanh GELU, got kernel code " + activation);
        }
        if (!(eps > 0) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException("LayerNorm epsilon must be > 0, got " + eps);
        }
        if (norm == null) {
            throw new IllegalArgumentException("norm must be one of " + NormKind.spellings());
        }
        if (prepbnWarmup < 0 || prepbnSteps < 0) {
            throw new IllegalArgumentException("prepbn_warmup and prepbn_steps must be >= 0, got " + prepbnWarmup
                    + " and " + prepbnSteps);
        }
        long perLayer = 12L * nEmbd * nEmbd;
        if ((long) vocabSize * nEmbd > Integer.MAX_VALUE - 8 || (long) blockSize * nEmbd > Integer.MAX_VALUE - 8
                || perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("vocab_size, block_size or n_embd too large: a weight would exceed a"
                    + " Java array (2^31 elements)");
        }
    }

    /** A LayerNorm config (nanoGPT's, or GPT-2's with its GELU and epsilon). */
    public GptConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, boolean bias, double dropout,
                     int activation, float eps) {
        this(vocabSize, blockSize, nLayer, nHead, nEmbd, bias, dropout, activation, eps, NormKind.LAYERNORM, 0, 0);
    }

    /** This config with normalisation {@code kind} and PRepBN schedule {@code (warmup, steps)}. */
    public GptConfig withNorm(NormKind kind, int warmup, int steps) {
        return new GptConfig(vocabSize, blockSize, nLayer, nHead, nEmbd, bias, dropout, activation, eps, kind, warmup,
                steps);
    }

    /**
     * PRepBN's λ at training step {@code step} (from 0): 1 through {@code prepbn_warmup} steps, then falling
     * linearly to 0 over {@code prepbn_steps} steps, then 0 (the SLAB schedule; 0 for a LayerNorm config is
     * meaningless and not asked for).
     */
    public float prepbnLambda(long step) {
        if (step < prepbnWarmup) {
            return 1f;
        }
        long into = step - prepbnWarmup;
        return into >= prepbnSteps ? 0f : (float) (1.0 - (double) into / prepbnSteps);
    }

    /** A nanoGPT config: exact GELU, epsilon 1e-5. */
    public static GptConfig of(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, boolean bias,
                               double dropout) {
        return new GptConfig(vocabSize, blockSize, nLayer, nHead, nEmbd, bias, dropout, Activations.GELU_ERF, EPS);
    }

    /** Width of one head. */
    public int headDim() {
        return nEmbd / nHead;
    }

    /**
     * Parses nanoGPT's JSON form (see the class comment).
     *
     * @param source what the text is, for messages
     * @throws JsonFormatException when the text is not JSON, a field is missing, unknown or of the wrong type
     */
    public static GptConfig parse(String json, String source) throws JsonFormatException {
        Map<String, Object> m = Json.parseObject(json, source);
        for (String key : m.keySet()) {
            if (!FIELDS.contains(key) && !NORM_FIELDS.contains(key)) {
                throw new JsonFormatException(source, "unknown field \"" + key + "\"; a GPT config has the fields "
                        + FIELDS + " (nanoGPT's GPTConfig) and optionally " + NORM_FIELDS);
            }
        }
        for (String f : FIELDS) {
            if (!m.containsKey(f)) {
                throw new JsonFormatException(source, "missing field \"" + f + "\"; a GPT config has the fields "
                        + FIELDS);
            }
        }
        Object bias = m.get("bias");
        if (!(bias instanceof Boolean b)) {
            throw new JsonFormatException(source, "field \"bias\" must be true or false, got " + Json.kind(bias));
        }
        NormKind norm = NormKind.LAYERNORM;
        if (m.containsKey("norm")) {
            Object n = m.get("norm");
            try {
                norm = NormKind.parse(n instanceof String s ? s : Json.write(n));
            } catch (IllegalArgumentException e) {
                throw new JsonFormatException(source, "field \"norm\": " + e.getMessage());
            }
        }
        NormKind kind = norm;
        int warmup = m.containsKey("prepbn_warmup") ? integer(m, "prepbn_warmup", source) : 0;
        int steps = m.containsKey("prepbn_steps") ? integer(m, "prepbn_steps", source) : 0;
        if (warmup < 0 || steps < 0) {
            throw new JsonFormatException(source, "field \"" + (warmup < 0 ? "prepbn_warmup" : "prepbn_steps")
                    + "\" must be >= 0, got " + Math.min(warmup, steps));
        }
        return checked(source, () -> of(integer(m, "vocab_size", source), integer(m, "block_size", source),
                integer(m, "n_layer", source), integer(m, "n_head", source), integer(m, "n_embd", source), b,
                number(m, "dropout", source)).withNorm(kind, warmup, steps));
    }

    /**
     * A GPT-2 config from a Hugging Face {@code config.json} ({@code GPT2Config}): {@code vocab_size},
     * {@code n_positions} (the block size), {@code n_layer}, {@code n_head}, {@code n_embd}, and when present
     * {@code layer_norm_epsilon} and {@code activation_function} ({@code gelu_new}/{@code gelu_pytorch_tanh}:
     * tanh GELU; {@code gelu}: exact). The many other fields of that file are not ours and are ignored. Biases
     * are on, dropout 0.
     */
    public static GptConfig fromHuggingFace(String json, String source) throws JsonFormatException {
        Map<String, Object> m = Json.parseObject(json, source);
        for (String f : List.of("vocab_size", "n_positions", "n_layer", "n_head", "n_embd")) {
            if (!m.containsKey(f)) {
                throw new JsonFormatException(source, "missing field \"" + f + "\" of a GPT-2 config.json");
            }
        }
        int activation = Activations.GELU_TANH;
        if (m.containsKey("activation_function")) {
            Object a = m.get("activation_function");
            activation = switch (a instanceof String s ? s : "") {
                case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activations.GELU_TANH;
                case "gelu" -> Activations.GELU_ERF;
                default -> throw new JsonFormatException(source, "activation_function " + Json.write(a)
                        + " is not supported; gelu_new, gelu_pytorch_tanh and gelu are");
            };
        }
        float eps = m.containsKey("layer_norm_epsilon") ? (float) number(m, "layer_norm_epsilon", source) : EPS;
        int act = activation;
        return checked(source, () -> new GptConfig(integer(m, "vocab_size", source), integer(m, "n_positions", source),
                integer(m, "n_layer", source), integer(m, "n_head", source), integer(m, "n_embd", source), true, 0.0,
                act, eps));
    }

    /**
     * Reads {@code file}: nanoGPT's form, or a Hugging Face {@code config.json} (recognised by its
     * {@code n_positions} or {@code model_type} field).
     */
    public static GptConfig read(Path file) throws IOException {
        String text = Files.readString(file);
        Map<String, Object> m = Json.parseObject(text, file.toString());
        return m.containsKey("n_positions") || m.containsKey("model_type") ? fromHuggingFace(text, file.toString())
                : parse(text, file.toString());
    }

    /**
     * nanoGPT's JSON form of this config (the activation and epsilon are not part of it), with the normalisation
     * fields after it unless the norm is LayerNorm (the PRepBN schedule only for {@code prepbn}).
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", vocabSize);
        m.put("block_size", blockSize);
        m.put("n_layer", nLayer);
        m.put("n_head", nHead);
        m.put("n_embd", nEmbd);
        m.put("bias", bias);
        m.put("dropout", dropout);
        if (norm != NormKind.LAYERNORM) {
            m.put("norm", norm.json());
        }
        if (norm == NormKind.PREPBN) {
            m.put("prepbn_warmup", prepbnWarmup);
            m.put("prepbn_steps", prepbnSteps);
        }
        return Json.write(m);
    }

    private interface Make {
        GptConfig make() throws JsonFormatException;
    }

    /** Runs {@code make}, turning a failed check of the constructor into a format error of {@code source}. */
    private static GptConfig checked(String source, Make make) throws JsonFormatException {
        try {
            return make.make();
        } catch (IllegalArgumentException e) {
            throw new JsonFormatException(source, e.getMessage());
        }
    }

    private static int integer(Map<String, Object> m, String field, String source) throws JsonFormatException {
        Object v = m.get(field);
        if (v instanceof Long l && l == (int) (long) l) {
            return (int) (long) l;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) {
            return (int) (double) d;
        }
        throw new JsonFormatException(source, "field \"" + field + "\" must be an integer, got " + Json.write(v));
    }

    private static double number(Map<String, Object> m, String field, String source) throws JsonFormatException {
        if (m.get(field) instanceof Number n) {
            return n.doubleValue();
        }
        throw new JsonFormatException(source, "field \"" + field + "\" must be a number, got " + Json.write(m.get(field)));
    }

    private static void positive(String field, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(field + " must be >= 1, got " + v);
        }
    }
}
