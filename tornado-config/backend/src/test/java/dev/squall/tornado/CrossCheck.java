package dev.squall.tornado;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Task;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;

import java.util.List;
import java.util.Set;

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

    /** Fills every float array a task of {@code g} writes with NaN, so an element left unwritten fails. */
    static void poisonOutputs(TaskGraph g) {
        g.tasks().stream().flatMap(t -> t.outputs().stream()).filter(float[].class::isInstance)
                .forEach(a -> Poison.fill((float[]) a));
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
