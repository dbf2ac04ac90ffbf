package dev.squall.cli;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;

import java.util.function.BiConsumer;

/** Runs a one-task graph over the rows of an array whose last axis is the row. */
final class RowOp {
    private RowOp() {
    }

    /**
     * Reads X's values, lets {@code addTask} add the task over {@code rows} rows writing to {@code out},
     * runs it and writes {@code out} with X's shape.
     *
     * @param constants arrays the task reads besides X (gamma, beta)
     */
    static void run(String name, NdArray x, float[] xv, OutputOption output, RunOptions run,
                    BiConsumer<TaskGraph, float[]> addTask, float[]... constants) {
        float[] out = new float[xv.length];
        TaskGraph g = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, xv);
        if (constants.length > 0) {
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) constants);
        }
        addTask.accept(g, out);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        run.runOnce(g);
        Inputs.write(output.file, out, x.shape());
    }

    /** Number of rows of {@code x} when its last axis is the row. */
    static int rows(NdArray x) {
        return Math.toIntExact(x.size() / x.dim(-1));
    }

    /** Requires a 1-D parameter with one value per column of X. */
    static float[] vector(String name, NdArray v, NdArray x) {
        if (v.rank() != 1 || v.dim(0) != x.dim(-1)) {
            throw new IllegalArgumentException(name + " must be [" + x.dim(-1) + "] (the last axis of X " + x.describe()
                    + "), got " + v.describe());
        }
        return Inputs.floats(name, v);
    }
}
