package dev.squall.cli;

import dev.squall.cli.train.Checkpoint;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.layers.pattern.AttentionPattern;
import dev.squall.engine.model.GptCheckpoint;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.KvCache;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The model options of {@code squall lm logits} and {@code lm generate}: files, weight format, attention. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "M.npz|DIR",
            description = "Weights: nanoGPT state dict (.npz) or .safetensors (nanoGPT or Hugging Face GPT-2 names);"
                    + " or a directory of squall lm train (model.npz, config.json, meta.json).")
    Path model;
    @Option(names = "--config", paramLabel = "C.json",
            description = "nanoGPT GPTConfig as JSON (vocab_size, block_size, n_layer, n_head, n_embd, bias, dropout),"
                    + " or a Hugging Face GPT-2 config.json (default with --model DIR: DIR/config.json).")
    Path config;
    @Option(names = "--weights", paramLabel = "FORMAT", description = "Run the linear layers and the head in this"
            + " weight format: ${bundle:formats} (default: fp32).")
    String weights;
    @Option(names = "--pattern", paramLabel = "PATTERN", description = "Attention pattern (default: dense causal);"
            + " generation with the KV cache supports local:W.")
    String pattern;

    /** The config, or an error naming {@code --config}. */
    GptConfig readConfig() {
        if (config == null && !Files.isDirectory(model)) {
            throw new IllegalArgumentException("--config is required unless --model is a directory holding "
                    + Checkpoint.CONFIG);
        }
        return readConfig(config != null ? config : model.resolve(Checkpoint.CONFIG));
    }

    /** The weights file: {@code --model}, or {@code model.npz} in it when it is a directory. */
    Path weightsFile() {
        return Files.isDirectory(model) ? model.resolve(Checkpoint.MODEL) : model;
    }

    /** The config in {@code file}, the {@code --config} argument. */
    static GptConfig readConfig(Path file) {
        try {
            return GptConfig.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config (" + file + "): " + IoErrors.reason(file, e), e);
        }
    }

    /** The weights in {@code file}, the {@code --model} argument, checked against {@code config}. */
    static GptWeights readWeights(Path file, GptConfig config) {
        try {
            return GptCheckpoint.read(file, config);
        } catch (IOException e) {
            throw new IllegalArgumentException("--model (" + file + "): " + IoErrors.reason(file, e), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage(), e); // it names the file and the tensor
        }
    }

    /** The options of the model, with errors naming their option. */
    GptModel.Options options(Backend backend, String kv) {
        GptModel.Options o = GptModel.Options.defaults().withBackend(backend);
        o = named("--weights", o, weights == null ? null : x -> x.withWeights(weights));
        o = named("--pattern", o, pattern == null ? null : x -> x.withPattern(pattern));
        return named("--kv", o, kv == null ? null : x -> x.withKv(kv));
    }

    /** Checks the format and pattern names before anything heavy is read. */
    void checkNames() {
        if (weights != null) {
            named("--weights", () -> WeightFormats.parse(weights));
        }
        if (pattern != null) {
            named("--pattern", () -> AttentionPattern.parse(pattern));
        }
    }

    /** Reads the weights and makes the model. */
    GptModel load(GptConfig c, GptModel.Options options) {
        return GptModel.of(readWeights(weightsFile(), c), options);
    }

    static KvCache.Kind kv(String kv) {
        return named("--kv", () -> KvCache.Kind.parse(kv));
    }

    private static GptModel.Options named(String option, GptModel.Options o,
                                          java.util.function.UnaryOperator<GptModel.Options> change) {
        return change == null ? o : named(option, () -> change.apply(o));
    }

    private static <T> T named(String option, java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }
}
