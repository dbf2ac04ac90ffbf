package dev.squall.engine.layers;

import dev.squall.tasks.activation.Activations;

/**
 * Hyper-parameters of a transformer encoder block, as PyTorch's {@code nn.TransformerEncoderLayer}
 * ({@code batch_first=True}, evaluation mode: no dropout).
 *
 * @param dModel     model width {@code d}
 * @param heads      attention heads; must divide {@code dModel}
 * @param ffDim      feed-forward width
 * @param normFirst  pre-LN ({@code norm_first=True}) when true, post-LN otherwise
 * @param activation feed-forward activation
 * @param causal     whether each token attends only to itself and earlier tokens
 * @param eps        LayerNorm epsilon
 */
public record BlockConfig(int dModel, int heads, int ffDim, boolean normFirst, Activation activation, boolean causal,
                          float eps) {

    /** The feed-forward activations PyTorch's encoder layer offers. */
    public enum Activation {
        /** {@code max(0, x)}, PyTorch's default. */
        RELU(Activations.RELU),
        /** Exact (erf) GELU. */
        GELU(Activations.GELU_ERF);

        private final int kernelCode;

        Activation(int kernelCode) {
            this.kernelCode = kernelCode;
        }

        /** The activation code the kernels take. */
        public int kernelCode() {
            return kernelCode;
        }
    }

    /** Checks the dimensions. */
    public BlockConfig {
        if (dModel < 1 || heads < 1 || ffDim < 1) {
            throw new IllegalArgumentException("d_model, heads and ff_dim must be >= 1, got " + dModel + ", " + heads
                    + ", " + ffDim);
        }
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must divide d_model (" + dModel + ")");
        }
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("eps must be > 0, got " + eps);
        }
        if (activation == null) {
            throw new IllegalArgumentException("activation must be given");
        }
    }

    /** PyTorch's defaults: post-LN, ReLU, not causal, eps 1e-5. */
    public static BlockConfig of(int dModel, int heads, int ffDim) {
        return new BlockConfig(dModel, heads, ffDim, false, Activation.RELU, false, 1e-5f);
    }

    /** Width of one head. */
    public int headDim() {
        return dModel / heads;
    }

    /** This configuration with pre-LN or post-LN. */
    public BlockConfig withNormFirst(boolean v) {
        return new BlockConfig(dModel, heads, ffDim, v, activation, causal, eps);
    }

    /** This configuration with another activation. */
    public BlockConfig withActivation(Activation v) {
        return new BlockConfig(dModel, heads, ffDim, normFirst, v, causal, eps);
    }

    /** This configuration with or without the causal mask. */
    public BlockConfig withCausal(boolean v) {
        return new BlockConfig(dModel, heads, ffDim, normFirst, activation, v, eps);
    }
}
