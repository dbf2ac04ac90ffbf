package dev.squall.benchmarks;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Square fp32 GEMM {@code C = A·B}: the naive kernel against the tiled one, on the JVM backend. */
public class GemmBenchmark extends BenchmarkDefaults {
    @Param({"256", "512", "1024"})
    public int size;

    @Param({"naive", "tiled"})
    public String kernel;

    private Backend runner;
    private ExecutionPlan plan;

    @Setup
    public void setUp() {
        int n = size;
        float[] a = Inputs.gaussian(n * n, 1);
        float[] b = Inputs.gaussian(n * n, 2);
        float[] c = new float[n * n];
        float[] noBias = new float[1];
        GemmTiles t = GemmTiles.DEFAULT;
        TaskGraph g = new TaskGraph("gemm").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b, noBias);
        if (kernel.equals("naive")) {
            g.task("gemm", n, Gemm::matmul, a, b, noBias, c, n, n, 0, Activations.IDENTITY);
        } else {
            g.task("gemm", t.bands(n), Gemm::tiledMatmul, a, b, noBias, c, n, n, n, 0, Activations.IDENTITY,
                    t.m(), t.n(), t.k());
        }
        runner = newBackend();
        plan = runner.plan(g);
    }

    @Benchmark
    public Object gemm() {
        return plan.execute();
    }

    @TearDown
    public void tearDown() {
        runner.close();
    }
}
