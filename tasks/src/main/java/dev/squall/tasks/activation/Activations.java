package dev.squall.tasks.activation;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Element-wise activation functions: ReLU, GELU (exact erf form and tanh approximation), SiLU, and the
 * gated SwiGLU. The scalar helpers are shared with GEMM epilogues so both compute bit-identical values.
 * {@link #activationBackward} multiplies a gradient by each activation's derivative ({@link #derivative}).
 */
public final class Activations {
    /** No activation: {@code f(x) = x}. */
    public static final int IDENTITY = 0;
    /** {@code max(0, x)}. */
    public static final int RELU = 1;
    /** Exact GELU, {@code x·Φ(x) = x/2·erfc(−x/√2)} (PyTorch {@code approximate='none'}). */
    public static final int GELU_ERF = 2;
    /** Tanh GELU, {@code x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))} (PyTorch {@code approximate='tanh'}). */
    public static final int GELU_TANH = 3;
    /** SiLU (swish), {@code x·σ(x)}. */
    public static final int SILU = 4;

    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286536f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float GELU_TANH_CUBIC = 0.044715f;

    private Activations() {
    }

    /** Applies activation {@code kind} (one of the constants above) to {@code x}. */
    public static float apply(int kind, float x) {
        if (kind == RELU) {
            return Math.max(0f, x);
        } else if (kind == GELU_ERF) {
            return geluErf(x);
        } else if (kind == GELU_TANH) {
            return geluTanh(x);
        } else if (kind == SILU) {
            return silu(x);
        }
        return x;
    }

    /** Exact GELU through erfc, which keeps full relative accuracy in the negative tail. */
    public static float geluErf(float x) {
        return 0.5f * x * erfc(-x * INV_SQRT2);
    }

    /**
     * Tanh GELU written as {@code x·σ(2y)}, which equals {@code x/2·(1+tanh y)} and stays accurate where
     * {@code 1 + tanh y} would cancel.
     */
    public static float geluTanh(float x) {
        float y = SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x);
        return x * sigmoid(2f * y);
    }

    /** SiLU, {@code x·σ(x)}. */
    public static float silu(float x) {
        return x * sigmoid(x);
    }

    /**
     * Derivative of activation {@code kind} at {@code x}. ReLU's is 0 at {@code x = 0}, as PyTorch's
     * {@code threshold_backward} gives.
     */
    public static float derivative(int kind, float x) {
        if (kind == RELU) {
            return x > 0f ? 1f : 0f;
        } else if (kind == GELU_ERF) {
            return geluErfDerivative(x);
        } else if (kind == GELU_TANH) {
            return geluTanhDerivative(x);
        } else if (kind == SILU) {
            return siluDerivative(x);
        }
        return 1f;
    }

    /** {@code d/dx x·Φ(x) = Φ(x) + x·φ(x)}, with {@code Φ} through {@link #erfc} as in {@link #geluErf}. */
    public static float geluErfDerivative(float x) {
        return 0.5f * erfc(-x * INV_SQRT2) + x * INV_SQRT_2PI * (float) Math.exp(-0.5f * x * x);
    }

    /**
     * {@code d/dx x·σ(2y)} with {@code y = √(2/π)(x + 0.044715x³)}: {@code σ(2y) + x·σ(2y)σ(−2y)·2y'}. The
     * product {@code σ(2y)σ(−2y)} stands for {@code σ(1 − σ)}, which would cancel for large {@code y}; where it
     * underflows to 0 the second term is 0 (not {@code 0·∞} when {@code x³} overflows).
     */
    public static float geluTanhDerivative(float x) {
        float y = SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x);
        float s = sigmoid(2f * y);
        float slope = s * sigmoid(-2f * y);
        return slope > 0f ? s + x * slope * 2f * SQRT_2_OVER_PI * (1f + 3f * GELU_TANH_CUBIC * x * x) : s;
    }

    /** {@code d/dx x·σ(x) = σ(x)·(1 + x·σ(−x))}. */
    public static float siluDerivative(float x) {
        return sigmoid(x) * (1f + x * sigmoid(-x));
    }

    /**
     * Logistic function {@code 1 / (1 + e^{−x})}. For {@code x < 0} it is evaluated as {@code e^x / (1 + e^x)},
     * whose exponential cannot overflow: {@code e^{−x}} overflows fp32 below x ≈ −88.7, which would flush
     * {@code x·σ(x)} to zero while the true value is still a normal float.
     */
    public static float sigmoid(float x) {
        if (x >= 0f) {
            return 1f / (1f + (float) Math.exp(-x));
        }
        float e = (float) Math.exp(x);
        return e / (1f + e);
    }

    /**
     * Complementary error function from the Chebyshev fit of Press et al., Numerical Recipes §6.2, whose
     * fractional error is below 1.2e-7 everywhere, evaluated in float but for the exponential. The fp32
     * rounding of {@code t}, the polynomial and {@code −z²} adds about {@code z²·2⁻²⁴}: measured 4.5e-7 for
     * |x| ≤ 1 and up to 7.8e-6 near x = 8 (tests bound it by {@code 1e-6·(1 + x²)}).
     */
    public static float erfc(float x) {
        float z = Math.abs(x);
        float t = 1f / (1f + 0.5f * z);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f
                + t * (-0.82215223f + t * 0.17087277f))))))));
        float r = t * (float) Math.exp(-z * z + poly);
        return x >= 0f ? r : 2f - r;
    }

    /** {@code out[row, c] = f(x[row, c])} for rows of {@code cols} values. */
    public static void activation(float[] x, @Out float[] out, int cols, int kind, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                out[base + c] = apply(kind, x[base + c]);
            }
        }
    }

    /**
     * Backward of {@link #activation}: {@code dx[row, c] = dOut[row, c] · f'(x[row, c])} for the activation's
     * input {@code x} (the forward saves its input, not its output).
     */
    public static void activationBackward(float[] x, float[] dOut, @Out float[] dx, int cols, int kind, int rowOffset,
                                          int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                dx[base + c] = dOut[base + c] * derivative(kind, x[base + c]);
            }
        }
    }

    /**
     * SwiGLU on packed rows: each input row holds {@code 2·cols} values, the gate then the up projection,
     * and {@code out[row, c] = silu(gate[c]) · up[c]}.
     */
    public static void swiglu(float[] gateUp, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int in = row * 2 * cols;
            for (int c = 0; c < cols; c++) {
                out[row * cols + c] = silu(gateUp[in + c]) * gateUp[in + cols + c];
            }
        }
    }
}
