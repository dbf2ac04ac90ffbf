package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.activation.Activations;

/** Fast path of {@link Activations#activation}: whole vectors per row through {@link ActivationVectors}. */
@FastPathFor(Activations.class)
public final class VectorActivations {
    private VectorActivations() {
    }

    /** Fast {@link Activations#activation}. */
    public static void activation(float[] x, float[] out, int cols, int kind, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            // Row by row: where the scalar tail falls must not depend on how rows are split.
            ActivationVectors.applyRange(x, out, base, base + cols, kind);
        }
    }
}
