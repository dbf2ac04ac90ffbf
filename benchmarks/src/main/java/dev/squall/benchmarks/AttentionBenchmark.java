package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.FusedAttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.UnfusedAttention;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Multi-head attention (12 heads of 64), unfused with the score matrix materialised versus fused. */
public class AttentionBenchmark extends BenchmarkDefaults {
    private static final int HEADS = 12;
    private static final int HEAD_DIM = 64;

    @Param({"512", "1024", "2048", "4096"})
    public int n;

    @Param({"unfused", "fused"})
    public String variant;

    private Backend runner;
    private ExecutionPlan plan;

    @Setup
    public void setUp() {
        int width = HEADS * HEAD_DIM;
        float[] qkv = Inputs.gaussian(n * 3 * width, 3);
        float[] out = new float[n * width];
        AttentionOp op = variant.equals("fused") ? new FusedAttentionOp() : new UnfusedAttention();
        TaskGraph g = new TaskGraph("attention").transferToDevice(DataTransferMode.EVERY_EXECUTION, qkv);
        op.addTo(g, "attention", QkvLayout.packed(qkv, width), out, Sequences.uniform(1, n), HEADS, HEAD_DIM, false);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        runner = newBackend();
        plan = runner.plan(g);
    }

    @Benchmark
    public Object attention() {
        return plan.execute();
    }

    @TearDown
    public void tearDown() {
        runner.close();
    }
}
