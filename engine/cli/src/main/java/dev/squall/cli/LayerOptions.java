package dev.squall.cli;

import dev.squall.engine.layers.BlockConfig;
import picocli.CommandLine.Option;

/** The options of an encoder layer shared by {@code op block} and {@code op encoder}. */
final class LayerOptions {
    @Option(names = "--heads", paramLabel = "H", description = "Attention heads (must divide d); required here or in --config.")
    Integer heads;
    @Option(names = "--norm-first", negatable = true, description = "Pre-LN (norm_first=True); default post-LN.")
    boolean normFirst;
    @Option(names = "--activation", defaultValue = "relu", description = "relu or gelu (default: ${DEFAULT-VALUE}).")
    ActivationName activation;
    @Option(names = "--causal", negatable = true, description = "Each token attends only to itself and earlier tokens.")
    boolean causal;
    @Option(names = "--eps", defaultValue = "1e-5", description = "LayerNorm epsilon (default: ${DEFAULT-VALUE}).")
    float eps;

    /** The activations PyTorch's encoder layer names. */
    enum ActivationName {
        relu(BlockConfig.Activation.RELU), gelu(BlockConfig.Activation.GELU);

        final BlockConfig.Activation value;

        ActivationName(BlockConfig.Activation value) {
            this.value = value;
        }
    }

    /** Checks {@code --eps} and {@code --heads} against the model width {@code d}. */
    void check(int d) {
        RowOp.checkEps(eps);
        if (heads == null) {
            throw new IllegalArgumentException("--heads is required (on the command line or as \"heads\" in --config)");
        }
        if (heads < 1 || d % heads != 0) {
            throw new IllegalArgumentException("--heads must be >= 1 and divide d_model = " + d + ", got " + heads);
        }
    }

    /** The layer's configuration for width {@code d} and feed-forward width {@code ff}. */
    BlockConfig config(int d, int ff) {
        return new BlockConfig(d, heads, ff, normFirst, activation.value, causal, eps);
    }
}
