package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.tasks.softmax.Softmax;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code squall op softmax X -o OUT}. */
@Command(name = "softmax", description = "Softmax over the last axis of X.")
final class SoftmaxOp implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "X.npy", description = "[..., C]")
    Path x;
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        NdArray xa = Inputs.read("X", x);
        Inputs.rank("X", xa, 1, 2, 3, 4);
        float[] xv = Inputs.floats("X", xa);
        int cols = xa.dim(-1);
        RowOp.run("softmax", xa, xv, output, run,
                (graph, out) -> graph.task("softmax", RowOp.rows(xa), Softmax::softmax, xv, out, cols));
        return 0;
    }
}
