package dev.squall.cli;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.tasks.softmax.Softmax;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code squall op softmax X -o OUT}. */
@Command(name = "softmax", description = "Softmax over the last axis of X.")
final class SoftmaxOp extends RowOp {
    @Parameters(index = "0", paramLabel = "X.npy", description = "[..., C]")
    Path x;

    @Override
    Path input() {
        return x;
    }

    @Override
    float[][] prepare(NdArray xa) {
        return new float[0][];
    }

    @Override
    void addTask(TaskGraph g, float[] xv, float[][] none, float[] out, int rows, int cols) {
        g.task("softmax", rows, Softmax::softmax, xv, out, cols);
    }
}
