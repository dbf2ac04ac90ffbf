package dev.squall.cli;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * An {@code op} on the rows of X (its last axis): reads and checks X and the op's other inputs, runs one task
 * writing an array of X's shape, and writes it to {@code -o}. Subclasses declare their inputs and options and say
 * what to check and which task to add.
 */
abstract class RowOp implements Callable<Integer> {
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;

    /** The file of X. */
    abstract Path input();

    /** Checks X's rank; by default 1 to 4 ({@code [..., C]}). */
    void checkRank(NdArray x) {
        Inputs.rank("X", x, 1, 2, 3, 4);
    }

    /** Reads and checks the op's other inputs and options; returns the arrays its task reads besides X. */
    abstract float[][] prepare(NdArray x);

    /** Adds the task reading {@code x} ({@code rows × cols}) and what {@link #prepare} returned, writing {@code out}. */
    abstract void addTask(TaskGraph g, float[] x, float[][] constants, float[] out, int rows, int cols);

    @Override
    public Integer call() {
        NdArray xa = Inputs.read("X", input());
        checkRank(xa);
        float[] xv = Inputs.floats("X", xa);
        float[][] constants = prepare(xa);
        int cols = xa.rank() == 0 ? 1 : xa.dim(-1);
        float[] out = new float[xv.length];
        TaskGraph g = new TaskGraph(getClass().getAnnotation(Command.class).name())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, xv);
        if (constants.length > 0) {
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) constants);
        }
        addTask(g, xv, constants, out, xv.length / cols, cols);
        run.runAndWrite(g, out, output.file, xa.shape());
        return 0;
    }

    /** Requires a 1-D parameter with one value per column of X. */
    static float[] vector(String name, NdArray v, NdArray x) {
        if (v.rank() != 1 || v.dim(0) != x.dim(-1)) {
            throw new IllegalArgumentException(name + " must be [" + x.dim(-1) + "] (the last axis of X " + x.describe()
                    + "), got " + v.describe());
        }
        return Inputs.floats(name, v);
    }

    /** Requires {@code --eps} to be positive. */
    static void checkEps(float eps) {
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("--eps must be > 0, got " + eps);
        }
    }
}
