package dev.squall.cli;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.tasks.norm.Norms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code squall op layernorm X GAMMA BETA -o OUT}. */
@Command(name = "layernorm", description = "LayerNorm over the last axis of X.")
final class LayerNormOp extends RowOp {
    @Parameters(index = "0", paramLabel = "X.npy", description = "[..., C]")
    Path x;
    @Parameters(index = "1", paramLabel = "GAMMA.npy", description = "[C]")
    Path gamma;
    @Parameters(index = "2", paramLabel = "BETA.npy", description = "[C]")
    Path beta;
    @Option(names = "--eps", defaultValue = "1e-5", description = "Added to the variance (default: ${DEFAULT-VALUE}).")
    float eps;

    @Override
    Path input() {
        return x;
    }

    @Override
    float[][] prepare(NdArray xa) {
        float[][] gammaBeta = {vector("GAMMA", Inputs.read("GAMMA", gamma), xa), vector("BETA", Inputs.read("BETA", beta), xa)};
        checkEps(eps);
        return gammaBeta;
    }

    @Override
    void addTask(TaskGraph g, float[] xv, float[][] gammaBeta, float[] out, int rows, int cols) {
        g.task("layernorm", rows, Norms::layerNorm, xv, gammaBeta[0], gammaBeta[1], out, cols, eps);
    }
}
