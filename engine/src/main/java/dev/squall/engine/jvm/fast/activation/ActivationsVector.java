package dev.squall.engine.jvm.fast.activation;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.math.ActivationMath;
import dev.squall.tasks.activation.Activations;
import jdk.incubator.vector.FloatVector;

/**
 * Fast paths of {@link Activations#activation} and {@link Activations#activationBackward}: whole vectors per row
 * through {@link ActivationMath}.
 */
@FastPathFor(Activations.class)
public final class ActivationsVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public ActivationsVector() {
    }

    /** Fast {@link Activations#activation}. */
    public static void activation(float[] x, float[] out, int cols, int kind, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            // Row by row: where the scalar tail falls must not depend on how rows are split.
            ActivationMath.applyRange(x, out, base, base + cols, kind);
        }
    }

    /** Fast {@link Activations#activationBackward}: {@code dOut · f'(x)} a vector at a time, row by row. */
    public static void activationBackward(float[] x, float[] dOut, float[] dx, int cols, int kind, int rowOffset,
                                          int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            int c = base;
            for (; c + ActivationMath.LANES <= base + cols; c += ActivationMath.LANES) {
                ActivationMath.derivative(kind, FloatVector.fromArray(ActivationMath.SPECIES, x, c))
                        .mul(FloatVector.fromArray(ActivationMath.SPECIES, dOut, c)).intoArray(dx, c);
            }
            for (; c < base + cols; c++) {
                dx[c] = dOut[c] * Activations.derivative(kind, x[c]);
            }
        }
    }
}
