package dev.squall.tornado;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Kernels TornadoVM 5.2 cannot run, to check that the backend reports them instead of running Java. They
 * break the kernel rules, which is why they live here and not in {@code tasks}.
 */
public final class UncompilableKernels {
    private UncompilableKernels() {
    }

    /** A bit cast: the OpenCL backend cannot generate it ("unimplemented" at compile time). */
    public static void bitCast(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            out[row] = Float.intBitsToFloat(Float.floatToRawIntBits(x[row]) ^ 1);
        }
    }

    /** A parallel loop that starts at a parameter: TornadoVM cannot parallelise it (fails when analysed). */
    public static void fromOffset(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int row = rowOffset; row < rowOffset + rowCount; row++) {
            out[row] = x[row];
        }
    }
}
