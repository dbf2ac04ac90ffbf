package dev.squall.tasks.activation;

import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.util.FastMath;

/**
 * Float64 references of the activations in {@link Activations}, written from their mathematical
 * definitions (Commons Math for erfc and tanh), independent of the kernel code.
 */
public final class ActivationReference {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private ActivationReference() {
    }

    /** Activation {@code kind} (an {@link Activations} constant) of {@code x}. */
    public static double apply(int kind, double x) {
        return switch (kind) {
            case Activations.IDENTITY -> x;
            case Activations.RELU -> relu(x);
            case Activations.GELU_ERF -> geluErf(x);
            case Activations.GELU_TANH -> geluTanh(x);
            case Activations.SILU -> silu(x);
            default -> throw new IllegalArgumentException("unknown activation kind " + kind);
        };
    }

    /** {@code max(0, x)}. */
    public static double relu(double x) {
        return x > 0 ? x : 0;
    }

    /** {@code x·Φ(x) = x/2·erfc(−x/√2)}. */
    public static double geluErf(double x) {
        return 0.5 * x * Erf.erfc(-x / Math.sqrt(2));
    }

    /** {@code x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))}. */
    public static double geluTanh(double x) {
        double y = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
        // 1 + tanh(y) cancels for y << 0; there it equals 2e^{2y} / (1 + e^{2y}) exactly.
        double onePlusTanh = y > -0.5 ? 1 + FastMath.tanh(y) : 2 * Math.exp(2 * y) / (1 + Math.exp(2 * y));
        return 0.5 * x * onePlusTanh;
    }

    /** {@code x·σ(x)}, with the logistic function evaluated without overflow for either sign. */
    public static double silu(double x) {
        double sigmoid = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
        return x * sigmoid;
    }

    /**
     * The derivative of activation {@code kind} at {@code x} as its two terms (the second 0 where there is one):
     * {@code Φ(x)} and {@code x·φ(x)} for the exact GELU, {@code σ(2y)} and {@code x·σ(2y)σ(−2y)·2y'} for the tanh
     * GELU (0 where that product underflows, as the kernel), {@code σ(x)} and {@code σ(x)·x·σ(−x)} for SiLU. Tests
     * bound the error of a derivative by its terms' magnitudes (they can cancel).
     */
    public static double[] derivativeTerms(int kind, double x) {
        return switch (kind) {
            case Activations.IDENTITY -> new double[] {1, 0};
            case Activations.RELU -> new double[] {x > 0 ? 1 : 0, 0};
            case Activations.GELU_ERF -> new double[] {0.5 * Erf.erfc(-x / Math.sqrt(2)),
                    x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)};
            case Activations.GELU_TANH -> {
                double y = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
                double s = sigmoid(2 * y);
                double slope = s * sigmoid(-2 * y);
                yield new double[] {s, slope > 0 ? x * slope * 2 * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x) : 0};
            }
            case Activations.SILU -> new double[] {sigmoid(x), sigmoid(x) * x * sigmoid(-x)};
            default -> throw new IllegalArgumentException("unknown activation kind " + kind);
        };
    }

    private static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** {@code silu(gate)·up}. */
    public static double swiglu(double gate, double up) {
        return silu(gate) * up;
    }
}
