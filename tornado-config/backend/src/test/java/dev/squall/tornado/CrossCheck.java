package dev.squall.tornado;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Task;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.fail;

/** Comparing what TornadoVM computes with what the JVM backend computes for the same graph. */
final class CrossCheck {
    private CrossCheck() {
    }

    /**
     * Adds the transfers of a graph of tasks only: every array a task reads before any task writes it goes
     * to the device on every execution, the {@code outputs} come back.
     */
    static void addTransfers(TaskGraph g, List<KernelCase.Output> outputs) {
        Set<Object> written = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Task t : g.tasks()) {
            t.inputs().stream().filter(a -> !written.contains(a))
                    .forEach(a -> g.transferToDevice(DataTransferMode.EVERY_EXECUTION, a));
            written.addAll(t.outputs());
        }
        outputs.forEach(o -> g.transferToHost(DataTransferMode.EVERY_EXECUTION, o.values()));
    }

    /** A NaN with a payload no kernel produces (their NaNs are canonical): an unwritten float fails either check. */
    static final float FLOAT_POISON = Float.intBitsToFloat(0x7fc0bad0);
    /** Below every index, count and flag a kernel writes. */
    static final int INT_POISON = Integer.MIN_VALUE + 0xbad;
    /** A NaN in both fp16 and bf16 that the converters never write (their NaNs are canonical). */
    static final short SHORT_POISON = 0x7fff;
    /** Outside the int8 codes, which are symmetric ({@code -127 .. 127}). */
    static final byte BYTE_POISON = Byte.MIN_VALUE;

    /**
     * Fills every array a task of {@code g} writes with its poison, so an element left unwritten fails:
     * floats with a NaN, integers with a value no kernel writes.
     */
    static void poisonOutputs(TaskGraph g) {
        g.tasks().stream().flatMap(t -> t.outputs().stream()).forEach(CrossCheck::poison);
    }

    private static void poison(Object array) {
        switch (array) {
            case float[] a -> Arrays.fill(a, FLOAT_POISON);
            case int[] a -> Arrays.fill(a, INT_POISON);
            case short[] a -> Arrays.fill(a, SHORT_POISON);
            case byte[] a -> Arrays.fill(a, BYTE_POISON);
            default -> throw new IllegalArgumentException("no poison for " + array.getClass().getSimpleName());
        }
    }

    /** Compares an output of TornadoVM with the JVM backend's as its {@link KernelCase.Check} says. */
    static void assertMatches(Subject subject, KernelCase.Output tornado, KernelCase.Output jvm) {
        switch (jvm.check()) {
            case FP32_ROWS -> assertRowsClose(subject, (float[]) tornado.values(), (float[]) jvm.values(), jvm.cols());
            case EXACT -> assertIdentical(subject.rowsOf(jvm.cols()), tornado.values(), jvm.values());
        }
    }

    /** Fails at the first element whose bits differ (floats by their raw bits), naming both values. */
    static void assertIdentical(Subject subject, Object tornado, Object jvm) {
        int n = java.lang.reflect.Array.getLength(jvm);
        if (java.lang.reflect.Array.getLength(tornado) != n) {
            fail(subject + ": lengths differ: " + java.lang.reflect.Array.getLength(tornado) + " vs " + n);
        }
        for (int i = 0; i < n; i++) {
            if (bits(tornado, i) != bits(jvm, i)) {
                fail(subject + ": not identical at " + subject.where(i) + ": JVM " + describe(jvm, i) + ", TornadoVM "
                        + describe(tornado, i));
            }
        }
    }

    private static int bits(Object array, int i) {
        return switch (array) {
            case float[] a -> Float.floatToRawIntBits(a[i]);
            case int[] a -> a[i];
            case short[] a -> a[i];
            case byte[] a -> a[i];
            default -> throw new IllegalArgumentException("cannot compare " + array.getClass().getSimpleName());
        };
    }

    private static String describe(Object array, int i) {
        String hex = Integer.toHexString(array instanceof short[] ? bits(array, i) & 0xffff : bits(array, i));
        return java.lang.reflect.Array.get(array, i) + " (0x" + hex + ")";
    }

    /**
     * {@code |tornado − jvm| <= 1e-5 · max |jvm| over the element's row} (the fp32 bound of the kernel
     * tests, relative to the row's scale); infinities must match, NaN never passes.
     */
    static void assertRowsClose(Subject subject, float[] tornado, float[] jvm, int cols) {
        double[] ref = new double[jvm.length];
        double[] scale = new double[jvm.length];
        for (int row = 0; row * cols < jvm.length; row++) {
            double max = 0;
            for (int i = row * cols; i < (row + 1) * cols; i++) {
                ref[i] = jvm[i];
                if (!Float.isInfinite(jvm[i])) {
                    max = Math.max(max, Math.abs(jvm[i]));
                }
            }
            java.util.Arrays.fill(scale, row * cols, (row + 1) * cols, max);
        }
        Tolerance.FP32.assertClose(subject.rowsOf(cols), tornado, ref, scale);
    }

    /** {@code |tornado − jvm| <= 1e-5 · max(1, |jvm|)}: the bound of the block tests, whose outputs are O(1). */
    static void assertBlockClose(Subject subject, float[] tornado, float[] jvm, int cols) {
        double[] ref = new double[jvm.length];
        double[] scale = new double[jvm.length];
        for (int i = 0; i < jvm.length; i++) {
            ref[i] = jvm[i];
            scale[i] = Math.max(1, Math.abs(jvm[i]));
        }
        Tolerance.FP32.assertClose(subject.rowsOf(cols), tornado, ref, scale);
    }
}
