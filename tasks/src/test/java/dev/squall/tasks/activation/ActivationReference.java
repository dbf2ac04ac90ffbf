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

    /** {@code silu(gate)·up}. */
    public static double swiglu(double gate, double up) {
        return silu(gate) * up;
    }
}
