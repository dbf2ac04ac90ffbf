package dev.squall.engine.jvm.fast;

import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM epilogue ({@code + bias[col]}, then an activation) on a tile of C that is still in cache,
 * vectorised where that gives the plain kernel's values bit for bit (bias, identity, ReLU), through the
 * plain {@link Gemm#epilogue} elsewhere.
 */
final class Epilogues {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Epilogues() {
    }

    /** Applies the epilogue to {@code c[i, j]} for rows {@code [i0, i1)} and columns {@code [j0, j1)}. */
    static void apply(float[] c, int n, int i0, int i1, int j0, int j1, float[] bias, int hasBias, int activation) {
        boolean vectorOk = activation == Activations.IDENTITY || activation == Activations.RELU;
        if (hasBias == 0 && activation == Activations.IDENTITY) {
            return;
        }
        for (int i = i0; i < i1; i++) {
            int row = i * n;
            int j = j0;
            if (vectorOk) {
                for (; j + S.length() <= j1; j += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, c, row + j);
                    if (hasBias != 0) {
                        v = v.add(FloatVector.fromArray(S, bias, j));
                    }
                    if (activation == Activations.RELU) {
                        v = v.max(0f);
                    }
                    v.intoArray(c, row + j);
                }
            } else if (activation != Activations.IDENTITY) {
                ActivationVectors.applyRow(c, row + j, bias, j, j1 - j, hasBias, activation);
                continue;
            }
            for (; j < j1; j++) {
                c[row + j] = Gemm.epilogue(c[row + j], bias, j, hasBias, activation);
            }
        }
    }
}
