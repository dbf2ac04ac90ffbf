package dev.squall.engine.jvm.fast.activation;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.math.ActivationMath;
import dev.squall.tasks.activation.Activations;

/** Fast path of {@link Activations#activation}: whole vectors per row through {@link ActivationMath}. */
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
}
