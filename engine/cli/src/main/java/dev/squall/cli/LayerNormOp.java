package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.tasks.norm.Norms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code squall op layernorm X GAMMA BETA -o OUT}. */
@Command(name = "layernorm", description = "LayerNorm over the last axis of X.")
final class LayerNormOp implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "X.npy", description = "[..., C]")
    Path x;
    @Parameters(index = "1", paramLabel = "GAMMA.npy", description = "[C]")
    Path gamma;
    @Parameters(index = "2", paramLabel = "BETA.npy", description = "[C]")
    Path beta;
    @Option(names = "--eps", defaultValue = "1e-5", description = "Added to the variance (default: ${DEFAULT-VALUE}).")
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
        float[] b = RowOp.vector("BETA", Inputs.read("BETA", beta), xa);
        checkEps(eps);
        int cols = xa.dim(-1);
        RowOp.run("layernorm", xa, xv, output, run,
                (graph, out) -> graph.task("layernorm", RowOp.rows(xa), Norms::layerNorm, xv, g, b, out, cols, eps), g, b);
        return 0;
    }

    static void checkEps(float eps) {
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("--eps must be > 0, got " + eps);
        }
    }
}
