package dev.squall.cli;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.tasks.activation.Activations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code squall op gelu X -o OUT [--approx erf|tanh]}. */
@Command(name = "gelu", description = "GELU of every element of X.")
final class GeluOp extends RowOp {
    /** GELU forms, named as in the issue tracker and PyTorch's docs. */
    enum Approx { erf, tanh }

    @Parameters(index = "0", paramLabel = "X.npy", description = "any shape")
    Path x;
    @Option(names = "--approx", defaultValue = "erf", description = "erf (exact) or tanh (default: ${DEFAULT-VALUE}).")
    Approx approx;

    @Override
    Path input() {
        return x;
    }

    /** Any shape: GELU is element-wise. */
    @Override
    void checkRank(NdArray x) {
    }

    @Override
    float[][] prepare(NdArray xa) {
        return new float[0][];
    }

    @Override
    void addTask(TaskGraph g, float[] xv, float[][] none, float[] out, int rows, int cols) {
        int kind = approx == Approx.erf ? Activations.GELU_ERF : Activations.GELU_TANH;
        g.task("gelu", rows, Activations::activation, xv, out, cols, kind);
    }
}
