package dev.squall.engine.jvm.fast.driver;

import dev.squall.engine.jvm.fast.lanes.VectorWidth;
import dev.squall.engine.jvm.fast.math.ActivationMath;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM epilogue ({@code + bias[col]}, then an activation) on a tile of C that is still in cache,
 * vectorised where that gives the plain kernel's values bit for bit (bias, identity, ReLU), through the
 * plain {@link Gemm#epilogue} elsewhere.
 */
public final class Epilogues {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;

    private Epilogues() {
    }

    /**
     * Applies the epilogue to the {@code rows × cols} tile of C at {@code c[cOff]} (row stride {@code ldc}),
     * whose first column is column {@code j0} of the bias.
     */
    public static void apply(float[] c, int cOff, int ldc, int rows, int j0, int cols, float[] bias, int hasBias,
                      int activation) {
        boolean vectorOk = activation == Activations.IDENTITY || activation == Activations.RELU;
        if (hasBias == 0 && activation == Activations.IDENTITY) {
            return;
        }
        int j1 = j0 + cols;
        for (int i = 0; i < rows; i++) {
            int row = cOff + i * ldc - j0;
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
                ActivationMath.applyRow(c, row + j, bias, j, j1 - j, hasBias, activation);
                continue;
            }
            for (; j < j1; j++) {
                c[row + j] = Gemm.epilogue(c[row + j], bias, j, hasBias, activation);
            }
        }
    }
}
