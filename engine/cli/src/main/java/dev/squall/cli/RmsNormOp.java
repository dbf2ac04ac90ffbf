package dev.squall.cli;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.tasks.norm.Norms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code squall op rmsnorm X GAMMA -o OUT}. */
@Command(name = "rmsnorm", description = "RMSNorm over the last axis of X.")
final class RmsNormOp extends RowOp {
    @Parameters(index = "0", paramLabel = "X.npy", description = "[..., C]")
    Path x;
    @Parameters(index = "1", paramLabel = "GAMMA.npy", description = "[C]")
    Path gamma;
    @Option(names = "--eps", defaultValue = "1e-6", description = "Added to the mean square (default: ${DEFAULT-VALUE}).")
    float eps;

    @Override
    Path input() {
        return x;
    }

    @Override
    float[][] prepare(NdArray xa) {
        float[] g = vector("GAMMA", Inputs.read("GAMMA", gamma), xa);
        checkEps(eps);
        return new float[][] {g};
    }

    @Override
    void addTask(TaskGraph g, float[] xv, float[][] gamma, float[] out, int rows, int cols) {
        g.task("rmsnorm", rows, Norms::rmsNorm, xv, gamma[0], out, cols, eps);
    }
}
