package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.benchmarks.peer.BlasPeer;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.Backends;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * fp32 GEMM {@code C[M,N] = A[M,K]·B[K,N]} side by side in one JMH run: Squall's kernels on the JVM backend
 * ({@code fast}: {@code Gemm.tiledMatmul} with its Vector API fast path; {@code tiled} and {@code naive}: the
 * plain kernels) against netlib's BLAS ({@code blas}: the system libblas through JNIBLAS, OpenBLAS where
 * Debian's {@code libopenblas0-pthread} is installed, else netlib's Java fallback; {@code vectorblas}: the
 * pure-Java VectorBLAS). Setup prints which BLAS implementation runs. GFLOP/s = {@code 2·M·N·K / time}.
 *
 * <p>Threads: Squall uses {@code threads}; OpenBLAS reads {@code OPENBLAS_NUM_THREADS} when it loads (JMH
 * forks inherit the environment: run {@code OPENBLAS_NUM_THREADS=2 ./squall jmh GemmBenchmark}; unset, it
 * uses every core); VectorBLAS is single-threaded.
 */
public class GemmBenchmark extends BenchmarkDefaults {
    /** {@code MxKxN}: 1024³, and the two feed-forward GEMMs of a BERT-base block at 512 tokens. */
    @Param({"1024x1024x1024", "512x768x3072", "512x3072x768"})
    public String shape;

    @Param({"fast", "blas", "vectorblas", "tiled"})
    public String impl;

    private Backend runner;
    private Runnable op;

    @Setup
    public void setUp() {
        String[] mkn = shape.split("x");
        int m = Integer.parseInt(mkn[0]);
        int k = Integer.parseInt(mkn[1]);
        int n = Integer.parseInt(mkn[2]);
        float[] a = Inputs.gaussian(m * k, 1);
        float[] b = Inputs.gaussian(k * n, 2);
        float[] c = new float[m * n];
        switch (impl) {
            case "blas", "vectorblas" -> {
                BlasPeer peer = impl.equals("blas") ? BlasPeer.system() : BlasPeer.java();
                System.out.println("GemmBenchmark impl=" + impl + " runs " + peer.describe());
                op = () -> peer.sgemm(m, n, k, a, b, c);
            }
            case "fast", "tiled", "naive" -> {
                float[] noBias = new float[1];
                TaskGraph g = new TaskGraph("gemm").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b, noBias);
                GemmTiles t = GemmTiles.DEFAULT;
                if (impl.equals("naive")) {
                    g.task("gemm", m, Gemm::matmul, a, b, noBias, c, n, k, 0, Activations.IDENTITY);
                } else {
                    g.task("gemm", t.bands(m), Gemm::tiledMatmul, a, b, noBias, c, m, n, k, 0, Activations.IDENTITY,
                            t.m(), t.n(), t.k());
                }
                runner = Backends.JVM.equals(backend)
                        ? new JvmBackend(threads, impl.equals("fast") ? FastPaths.standard() : FastPaths.none())
                        : newBackend();
                System.out.println("GemmBenchmark impl=" + impl + " runs on " + runner.description());
                ExecutionPlan plan = runner.plan(g);
                op = plan::execute;
            }
            default -> throw new IllegalArgumentException("impl must be fast, tiled, naive, blas or vectorblas: " + impl);
        }
    }

    @Benchmark
    public void gemm() {
        op.run();
    }

    @TearDown
    public void tearDown() {
        if (runner != null) {
            runner.close();
        }
    }
}
