package dev.squall.cli;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code squall op matmul A B -o C}: {@code C[M,N] = A[M,K]·B[K,N]}. */
@Command(name = "matmul", description = "C[M,N] = A[M,K] · B[K,N] (float32).")
final class MatmulOp implements Callable<Integer> {
    /** Which GEMM kernel runs. */
    enum Kind { naive, tiled }

    @Parameters(index = "0", paramLabel = "A.npy", description = "[M, K]")
    Path a;
    @Parameters(index = "1", paramLabel = "B.npy", description = "[K, N]")
    Path b;
    @Option(names = "--kernel", defaultValue = "tiled", description = "naive or tiled (default: ${DEFAULT-VALUE}).")
    Kind kind;
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        NdArray aa = Inputs.read("A", a);
        NdArray bb = Inputs.read("B", b);
        Inputs.rank("A", aa, 2);
        Inputs.rank("B", bb, 2);
        int m = aa.dim(0);
        int k = aa.dim(1);
        int n = bb.dim(1);
        if (bb.dim(0) != k) {
            throw new IllegalArgumentException("B must be [K, N] with K = " + k + " (the columns of A " + aa.describe()
                    + "), got " + bb.describe());
        }
        float[] av = Inputs.floats("A", aa);
        float[] bv = Inputs.floats("B", bb);
        float[] c = new float[Math.multiplyExact(m, n)];
        float[] noBias = new float[1];
        TaskGraph g = new TaskGraph("matmul")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, av, bv, noBias);
        GemmTiles t = GemmTiles.DEFAULT;
        if (kind == Kind.naive) {
            g.task("matmul", m, Gemm::matmul, av, bv, noBias, c, n, k, 0, Activations.IDENTITY);
        } else {
            g.task("matmul", t.bands(m), Gemm::tiledMatmul, av, bv, noBias, c, m, n, k, 0, Activations.IDENTITY,
                    t.m(), t.n(), t.k());
        }
        run.runAndWrite(g, c, output.file, m, n);
        return 0;
    }
}
