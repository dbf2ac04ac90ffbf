package dev.squall.engine.model;

import dev.squall.engine.compress.WeightFormat;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.FusedAttentionOp;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.AttentionPattern;
import dev.squall.engine.layers.AttentionOp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A GPT decoder ready to run: weights, their linear layers in a weight format, and a backend. In a few lines:
 * <pre>{@code
 * try (GptModel model = GptModel.load(Path.of("ckpt.npz"), Path.of("config.json"))) {
 *     float[] logits = model.logits(new int[] {15496, 11, 995});            // [3, vocab]
 *     Generation g = model.generate(prompt, 200, Sampling.of(0.8, 40, 0.95, 1), token -> ...);
 * }
 * }</pre>
 * {@link #logits} runs the fused forward graph over whole sequences. {@link #generate} prefills the prompt through
 * the same graph (filling a KV cache), then runs a one-token decode graph per new token over the cache; when the
 * context reaches the block size, its second half is prefilled again and decoding goes on from there. The plans
 * and the KV cache are kept between calls (for the last shape of {@code logits}, and for generation); a model is
 * not safe for use by several threads at once.
 */
public final class GptModel implements AutoCloseable {

    /**
     * How a model runs.
     *
     * @param backend the backend (null: a JVM backend the model creates and closes)
     * @param weights the weight format of the linear layers and the head (see {@link WeightFormats})
     * @param pattern the attention pattern (null: dense causal attention); generation supports {@code local:W}
     * @param kv      the KV cache's storage
     */
    public record Options(Backend backend, WeightFormat weights, AttentionPattern pattern, KvCache.Kind kv) {
        /** fp32 weights, dense attention, fp32 cache, an own JVM backend. */
        public static Options defaults() {
            return new Options(null, WeightFormats.parse("fp32"), null, KvCache.Kind.FP32);
        }

        /** These options on {@code b} (which the model does not close). */
        public Options withBackend(Backend b) {
            return new Options(b, weights, pattern, kv);
        }

        /** These options with the weight format named {@code format}, e.g. {@code q8_0}. */
        public Options withWeights(String format) {
            return new Options(backend, WeightFormats.parse(format), pattern, kv);
        }

        /** These options with the attention pattern {@code spec}, e.g. {@code local:256} (null: dense). */
        public Options withPattern(String spec) {
            return new Options(backend, weights, spec == null ? null : AttentionPattern.parse(spec), kv);
        }

        /** These options with the KV cache {@code fp32} or {@code int8}. */
        public Options withKv(String kind) {
            return new Options(backend, weights, pattern, KvCache.Kind.parse(kind));
        }
    }

    private final GptNetwork network;
    private final Options options;
    private final Backend backend;
    private final boolean ownsBackend;
    private Shape lastShape;
    private GptNetwork.Forward lastForward;
    private ExecutionPlan lastPlan;
    private Profile lastProfile;
    private Generator generator;

    private record Shape(int batch, int length) {
    }

    private GptModel(GptWeights weights, Options options) {
        this.ownsBackend = options.backend() == null;
        this.backend = ownsBackend ? new JvmBackend() : options.backend();
        this.options = options;
        try {
            this.network = GptNetwork.of(weights, GptLayers.of(weights, options.weights(),
                    GemmTilesPreference.of(backend)));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The model of {@code weights} run as {@code options} say. */
    public static GptModel of(GptWeights weights, Options options) {
        return new GptModel(weights, options);
    }

    /** Loads {@code .npz} or {@code .safetensors} weights and a config (see {@link GptConfig#read}); fp32, JVM. */
    public static GptModel load(Path model, Path config) throws IOException {
        return load(model, config, Options.defaults());
    }

    /** Loads weights and config and runs them as {@code options} say. */
    public static GptModel load(Path model, Path config, Options options) throws IOException {
        return of(GptCheckpoint.read(model, GptConfig.read(config)), options);
    }

    /** The config. */
    public GptConfig config() {
        return network.config();
    }

    /** The weights and layers. */
    public GptNetwork network() {
        return network;
    }

    /** How it runs. */
    public Options options() {
        return options;
    }

    /** The backend it runs on. */
    public Backend backend() {
        return backend;
    }

    /** The profile of the last {@link #logits} run, or null before the first. */
    public Profile lastProfile() {
        return lastProfile;
    }

    /** Logits {@code [T, V]} of every position of one sequence. */
    public float[] logits(int[] tokens) {
        return logits(tokens, 1, tokens.length);
    }

    /**
     * Logits {@code [B, T, V]} of every position of {@code batch} sequences of {@code length} tokens,
     * {@code tokens} being {@code [B, T]} row-major. Each token id must be in {@code [0, vocab_size)} and
     * {@code length <= block_size}; otherwise an {@link IllegalArgumentException} names the first bad value.
     */
    public float[] logits(int[] tokens, int batch, int length) {
        GptConfig c = config();
        if (batch < 1 || length < 1 || tokens.length != (long) batch * length) {
            throw new IllegalArgumentException("tokens: expected [B, T] with B, T >= 1 and B·T values, got B=" + batch
                    + ", T=" + length + " and " + tokens.length + " values");
        }
        if (length > c.blockSize()) {
            throw new IllegalArgumentException("tokens: sequence length T=" + length + " exceeds block_size="
                    + c.blockSize());
        }
        checkTokens(tokens, length);
        Shape shape = new Shape(batch, length);
        if (!shape.equals(lastShape)) {
            lastShape = null;
            Sequences seqs = Sequences.uniform(batch, length);
            AttentionOp op = attention(seqs);
            int width = c.nEmbd();
            lastForward = network.forward("gpt-logits", seqs, false, (g, name, layer, qkv, out, positions) ->
                    op.addTo(g, name, QkvLayout.packed(qkv, width), out, seqs, c.nHead(), c.headDim(), true),
                    List.of(), List.of());
            Plans.release(lastPlan);
            lastPlan = null;
            lastPlan = backend.plan(lastForward.graph());
            lastShape = shape;
        }
        System.arraycopy(tokens, 0, lastForward.tokens(), 0, tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            lastForward.positions()[i] = i % length;
        }
        lastProfile = lastPlan.execute();
        return lastForward.logits().clone();
    }

    /**
     * Generates up to {@code maxNewTokens} tokens after {@code prompt} (cropped to its last {@code block_size}
     * tokens), handing each to {@code onToken} as soon as it is chosen.
     */
    public Generation generate(int[] prompt, int maxNewTokens, Sampling sampling, IntConsumer onToken) {
        if (prompt.length < 1) {
            throw new IllegalArgumentException("prompt: at least one token is needed");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        checkTokens(prompt, prompt.length);
        if (generator == null) {
            generator = new Generator(this);
        }
        return generator.run(prompt, maxNewTokens, new Sampler(sampling), onToken);
    }

    /**
     * Checks that {@code options} can generate: its pattern, if any, must be {@code local:W} (the KV cache's
     * decode step attends to a window or to everything); the error names the pattern.
     */
    public static void checkGeneration(Options options) {
        Generator.window(options, 1);
    }

    /** The dense causal attention, or the pattern's, for the sequences {@code seqs} (checked). */
    AttentionOp attention(Sequences seqs) {
        if (options.pattern() == null) {
            return new FusedAttentionOp();
        }
        try {
            options.pattern().check(seqs, config().nHead());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pattern " + options.pattern().spec() + ": " + e.getMessage(), e);
        }
        return options.pattern().op(EncoderBlock.Variant.FUSED);
    }

    private void checkTokens(int[] tokens, int length) {
        int vocab = config().vocabSize();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("tokens: token " + tokens[i] + " at [" + i / length + ", "
                        + i % length + "] is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /** Closes the backend when the model created it. */
    @Override
    public void close() {
        Plans.release(lastPlan);
        lastPlan = null;
        if (generator != null) {
            generator.close();
            generator = null;
        }
        if (ownsBackend && backend != null) {
            backend.close();
        }
    }
}
