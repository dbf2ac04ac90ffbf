package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.FusedAttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.AttentionPattern;
import dev.squall.engine.layers.pattern.AttentionRuns;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sparse, low-rank and linear attention patterns (fused kernels) against dense fused attention, 12 heads
 * of 64, one sequence of {@code n} tokens. {@code pattern} is {@code dense} or a pattern in the grammar of
 * {@link AttentionPattern} (without a layout file: {@code block:B:LAYOUT.npy} needs one, see
 * {@code squall bench --attention}). Dense attention at 16k and beyond takes minutes per call on a few
 * cores: choose lengths with {@code -p n=...}, e.g.
 * {@code ./squall jmh PatternAttentionBenchmark -p pattern=dense,local:256 -p n=4096,8192,16384}.
 */
public class PatternAttentionBenchmark extends BenchmarkDefaults {
    private static final int HEADS = 12;
    private static final int HEAD_DIM = 64;

    @Param({"4096", "16384"})
    public int n;

    @Param({"dense", "local:256", "dilated:128:2", "longformer:256:1:0", "fixed:64:4", "bigbird:64:1:1:3:1", "topk:64",
            "cluster:64:2:1", "linformer:256:1", "linear"})
    public String pattern;

    @Param({"false"})
    public boolean causal;

    private JvmBackend backend;
    private ExecutionPlan plan;

    @Setup
    public void setUp() {
        int width = HEADS * HEAD_DIM;
        QkvLayout qkv = QkvLayout.packed(Inputs.gaussian(n * 3 * width, 3), width);
        AttentionOp op = pattern.equals("dense") ? new FusedAttentionOp()
                : AttentionPattern.parse(pattern).op(EncoderBlock.Variant.FUSED);
        backend = new JvmBackend(threads);
        plan = backend.plan(AttentionRuns.graph(op, qkv, new float[n * width], Sequences.uniform(1, n), HEADS, HEAD_DIM,
                causal));
    }

    @Benchmark
    public Object attention() {
        return plan.execute();
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }
}
