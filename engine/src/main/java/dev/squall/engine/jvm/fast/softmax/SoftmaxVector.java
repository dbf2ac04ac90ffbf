package dev.squall.engine.jvm.fast.softmax;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.math.SoftmaxRows;
import dev.squall.engine.jvm.fast.math.VectorMath;
import dev.squall.tasks.softmax.Softmax;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast paths of {@link Softmax}: vector maximum, vector exponentials and sum, vector scaling; the backward's dot
 * product in vector lanes.
 */
@FastPathFor(Softmax.class)
public final class SoftmaxVector implements FastPath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public SoftmaxVector() {
    }

    /** Fast {@link Softmax#softmax}. */
    public static void softmax(float[] x, float[] out, int cols, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            float max = SoftmaxRows.max(x, base, cols);
            if (max == Float.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(out, base, base + cols, 0f);
                continue;
            }
            float sum = SoftmaxRows.expShifted(x, base, out, base, cols, max);
            SoftmaxRows.scale(out, base, cols, 1f / sum);
        }
    }

    /**
     * Fast {@link Softmax#softmaxBackward}: per row {@code Σ p·dp} in vector lanes (the last partial vector masked,
     * so the lanes' order depends on the row length only), then {@code dx = p·(dp − Σ)} a vector at a time.
     */
    public static void softmaxBackward(float[] p, float[] dp, float[] dx, int cols, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            int base = (rowOffset + r) * cols;
            FloatVector acc = FloatVector.zero(S);
            int c = 0;
            for (; c + L <= cols; c += L) {
                acc = FloatVector.fromArray(S, p, base + c).fma(FloatVector.fromArray(S, dp, base + c), acc);
            }
            if (c < cols) {
                VectorMask<Float> m = S.indexInRange(c, cols);
                acc = FloatVector.fromArray(S, p, base + c, m).fma(FloatVector.fromArray(S, dp, base + c, m), acc);
            }
            float dot = VectorMath.sum(acc);
            for (c = 0; c + L <= cols; c += L) {
                FloatVector.fromArray(S, p, base + c).mul(FloatVector.fromArray(S, dp, base + c).sub(dot))
                        .intoArray(dx, base + c);
            }
            for (; c < cols; c++) {
                dx[base + c] = p[base + c] * (dp[base + c] - dot);
            }
        }
    }
}
