package dev.squall.tasks.rules.samples;

import java.util.function.IntUnaryOperator;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Kernels that each break one kernel rule, as a check of the checker ({@code KernelRulesSamplesTest}
 * lists what each must be reported for). Never run. Apart from the broken rule each is a plain row copy.
 */
public final class BadKernels {
    static int counter;
    static final float[] TABLE = {1f, 2f};

    private BadKernels() {
    }

    public static void allocatesObject(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            Object scratch = new Object();
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void allocatesVariableArray(float[] x, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] scratch = new float[cols];
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void allocatesArrayOfArrays(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[][] scratch = new float[4][];
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void allocatesMatrix(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[][] scratch = new float[4][4];
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void throwsException(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        if (rowCount < 0) {
            throw new IllegalStateException();
        }
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void catchesException(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            try {
                out[rowOffset + r] = x[rowOffset + r];
            } catch (ArrayIndexOutOfBoundsException e) {
                out[rowOffset + r] = 0f;
            }
        }
    }

    public static synchronized void synchronizedKernel(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void synchronizedBlock(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            synchronized (out) {
                out[rowOffset + r] = x[rowOffset + r];
            }
        }
    }

    public static void readsMutableField(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r] + counter;
        }
    }

    public static void writesField(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
            counter = r;
        }
    }

    public static void readsStaticArray(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r] * TABLE[0];
        }
    }

    public static void callsVirtual(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        float[] copy = x.clone();
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = copy[rowOffset + r];
        }
    }

    public static void callsUnlistedLibrary(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = (float) Math.floor(x[rowOffset + r]);
        }
    }

    public static void decodesHalf(short[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = Float.float16ToFloat(x[rowOffset + r]);
        }
    }

    public static void absOfInt(int[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = Math.abs(x[rowOffset + r]);
        }
    }

    public static void concatenatesStrings(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            String label = "row " + r;
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void usesLambda(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        IntUnaryOperator next = i -> i + 1;
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void loadsString(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        String name = "copy";
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void readsLength(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x.length;
        }
    }

    public static void recurses(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r] * factorial(3);
        }
    }

    private static int factorial(int n) {
        return n <= 1 ? 1 : n * factorial(n - 1);
    }

    public static void allocatesInHelper(float[] x, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = rowSum(x, (rowOffset + r) * cols, cols);
        }
    }

    private static float rowSum(float[] x, int base, int cols) {
        float[] copy = new float[cols];
        float sum = 0f;
        for (int c = 0; c < cols; c++) {
            sum += x[base + c];
        }
        return sum;
    }

    public static void parallelFromOffset(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = rowOffset; r < rowOffset + rowCount; r++) {
            out[r] = x[r];
        }
    }

    public static void innerParallelFromOne(float[] x, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            for (@Parallel int c = 1; c < cols; c++) {
                out[(rowOffset + r) * cols + c] = x[(rowOffset + r) * cols + c];
            }
        }
    }

    public static void parallelInHelperFromOne(float[] x, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            copyColumnsFromOne(x, out, (rowOffset + r) * cols, cols);
        }
    }

    private static void copyColumnsFromOne(float[] x, float[] out, int base, int cols) {
        for (@Parallel int c = 1; c < cols; c++) {
            out[base + c] = x[base + c];
        }
    }

    public static void boundedByColumns(float[] x, @Out float[] out, int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < cols; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void stepsByTwo(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r += 2) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void noParallelLoop(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        for (int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void assignsRowCount(float[] x, @Out float[] out, int rowOffset, int rowCount) {
        rowCount = Math.min(rowCount, 4);
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void storesUnmarked(float[] x, float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void storesUnmarkedThroughAlias(float[] x, float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            float[] target = out;
            target[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void storesUnmarkedThroughHelper(float[] x, float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            copyOne(x, out, rowOffset + r);
        }
    }

    private static void copyOne(float[] from, float[] to, int i) {
        to[i] = from[i];
    }

    public static void outNeverStored(float[] x, @Out float[] out, @Out float[] unused, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void outOnScalar(float[] x, @Out float[] out, @Out int cols, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void objectParameter(float[] x, @Out float[] out, String name, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r];
        }
    }

    public static void matrixParameter(float[][] x, @Out float[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = x[rowOffset + r][0];
        }
    }
}
