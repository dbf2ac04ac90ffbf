package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.tasks.activation.Activations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code squall op gelu X -o OUT [--approx erf|tanh]}. */
@Command(name = "gelu", description = "GELU of every element of X.")
final class GeluOp implements Callable<Integer> {
    /** GELU forms, named as in the issue tracker and PyTorch's docs. */
    enum Approx { erf, tanh }

    @Parameters(index = "0", paramLabel = "X.npy", description = "any shape")
    Path x;
    @Option(names = "--approx", defaultValue = "erf", description = "erf (exact) or tanh (default: ${DEFAULT-VALUE}).")
    Approx approx;
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        NdArray xa = Inputs.read("X", x);
        float[] xv = Inputs.floats("X", xa);
        int kind = approx == Approx.erf ? Activations.GELU_ERF : Activations.GELU_TANH;
        int cols = xa.rank() == 0 ? 1 : xa.dim(-1);
        int rows = xv.length / cols;
        RowOp.run("gelu", xa, xv, output, run,
                (graph, out) -> graph.task("gelu", rows, Activations::activation, xv, out, cols, kind));
        return 0;
    }
}
