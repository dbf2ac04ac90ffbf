package dev.squall.engine.jvm.fast.math;

import dev.squall.tasks.activation.Activations;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The activations of {@link Activations} on whole vectors: the same formulas, operation for operation,
 * with the exponential of {@link VectorMath#exp} (within about 2 ulp of the plain kernels'
 * {@code (float) Math.exp}, so results agree within fp32 tolerance, not bit for bit).
 */
public final class ActivationMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The species of {@link #apply} and {@link #derivative}. */
    public static final VectorSpecies<Float> SPECIES = S;
    /** Floats per vector of {@link #SPECIES}. */
    public static final int LANES = S.length();
    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286536f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float GELU_TANH_CUBIC = 0.044715f;
    /** Numerical Recipes' erfc fit, highest degree first (as {@link Activations#erfc}). */
    private static final float[] ERFC = {0.17087277f, -0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f,
            -0.18628806f, 0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};

    private ActivationMath() {
    }

    /**
     * {@code x[off + c] = f(x[off + c] (+ bias[biasOff + c]))} for {@code c < len}, the tail by a masked vector:
     * every element goes through the same vector formula, so its bits do not depend on where a call's range
     * starts (GEMM fast paths split the columns of C differently and must agree).
     */
    public static void applyRow(float[] x, int off, float[] bias, int biasOff, int len, int hasBias, int kind) {
        for (int c = 0; c < len; c += S.length()) {
            VectorMask<Float> m = S.indexInRange(c, len);
            FloatVector v = FloatVector.fromArray(S, x, off + c, m);
            if (hasBias != 0) {
                v = v.add(FloatVector.fromArray(S, bias, biasOff + c, m));
            }
            apply(kind, v).intoArray(x, off + c, m);
        }
    }

    /** {@code out[c] = f(x[c])} for {@code c} in {@code [from, to)}. */
    public static void applyRange(float[] x, float[] out, int from, int to, int kind) {
        int c = from;
        for (; c + S.length() <= to; c += S.length()) {
            apply(kind, FloatVector.fromArray(S, x, c)).intoArray(out, c);
        }
        for (; c < to; c++) {
            out[c] = Activations.apply(kind, x[c]);
        }
    }

    /** Activation {@code kind} of every lane. */
    public static FloatVector apply(int kind, FloatVector x) {
        return switch (kind) {
            case Activations.RELU -> x.max(0f);
            case Activations.GELU_ERF -> geluErf(x);
            case Activations.GELU_TANH -> x.mul(sigmoid(x.add(x.mul(0.044715f).mul(x).mul(x)).mul(SQRT_2_OVER_PI).mul(2f)));
            case Activations.SILU -> x.mul(sigmoid(x));
            default -> x;
        };
    }

    /**
     * Derivative of activation {@code kind} at every lane, as {@link Activations#derivative}: the same formulas,
     * operation for operation (ReLU's is 0 at 0; tanh GELU's second term is dropped where {@code σ(2y)σ(−2y)}
     * underflows).
     */
    public static FloatVector derivative(int kind, FloatVector x) {
        return switch (kind) {
            case Activations.RELU -> FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GT, 0f));
            case Activations.GELU_ERF -> erfc(x.neg().mul(INV_SQRT2)).mul(0.5f)
                    .add(x.mul(INV_SQRT_2PI).mul(VectorMath.exp(x.mul(-0.5f).mul(x))));
            case Activations.GELU_TANH -> geluTanhDerivative(x);
            case Activations.SILU -> sigmoid(x).mul(x.mul(sigmoid(x.neg())).add(1f));
            default -> FloatVector.broadcast(S, 1f);
        };
    }

    /** As {@link Activations#geluTanhDerivative}. */
    private static FloatVector geluTanhDerivative(FloatVector x) {
        FloatVector y = x.add(x.mul(GELU_TANH_CUBIC).mul(x).mul(x)).mul(SQRT_2_OVER_PI);
        FloatVector s = sigmoid(y.mul(2f));
        FloatVector slope = s.mul(sigmoid(y.mul(-2f)));
        FloatVector withSlope = s.add(x.mul(slope).mul(2f).mul(SQRT_2_OVER_PI)
                .mul(x.mul(3f * GELU_TANH_CUBIC).mul(x).add(1f)));
        return s.blend(withSlope, slope.compare(VectorOperators.GT, 0f));
    }

    private static FloatVector geluErf(FloatVector x) {
        return x.mul(0.5f).mul(erfc(x.neg().mul(INV_SQRT2)));
    }

    /** As {@link Activations#erfc}. */
    private static FloatVector erfc(FloatVector x) {
        FloatVector z = x.abs();
        FloatVector t = z.mul(0.5f).add(1f);
        t = FloatVector.broadcast(S, 1f).div(t);
        FloatVector poly = FloatVector.broadcast(S, ERFC[0]);
        for (int i = 1; i < ERFC.length; i++) {
            poly = poly.mul(t).add(ERFC[i]);
        }
        FloatVector r = t.mul(VectorMath.exp(z.neg().mul(z).add(poly)));
        return r.blend(FloatVector.broadcast(S, 2f).sub(r), x.compare(VectorOperators.LT, 0f));
    }

    /** As {@link Activations#sigmoid}: {@code 1/(1+e)} for x ≥ 0 and {@code e/(1+e)} below, {@code e = exp(−|x|)}. */
    private static FloatVector sigmoid(FloatVector x) {
        FloatVector e = VectorMath.exp(x.abs().neg());
        VectorMask<Float> negative = x.compare(VectorOperators.LT, 0f);
        FloatVector numerator = FloatVector.broadcast(S, 1f).blend(e, negative);
        return numerator.div(e.add(1f));
    }
}
