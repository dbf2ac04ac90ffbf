package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.tasks.norm.Norms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code squall op rmsnorm X GAMMA -o OUT}. */
@Command(name = "rmsnorm", description = "RMSNorm over the last axis of X.")
final class RmsNormOp implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "X.npy", description = "[..., C]")
    Path x;
    @Parameters(index = "1", paramLabel = "GAMMA.npy", description = "[C]")
    Path gamma;
    @Option(names = "--eps", defaultValue = "1e-6", description = "Added to the mean square (default: ${DEFAULT-VALUE}).")
    float eps;
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        NdArray xa = Inputs.read("X", x);
        Inputs.rank("X", xa, 1, 2, 3, 4);
        float[] xv = Inputs.floats("X", xa);
        float[] g = RowOp.vector("GAMMA", Inputs.read("GAMMA", gamma), xa);
        LayerNormOp.checkEps(eps);
        int cols = xa.dim(-1);
        RowOp.run("rmsnorm", xa, xv, output, run,
                (graph, out) -> graph.task("rmsnorm", RowOp.rows(xa), Norms::rmsNorm, xv, g, out, cols, eps), g);
        return 0;
    }
}
