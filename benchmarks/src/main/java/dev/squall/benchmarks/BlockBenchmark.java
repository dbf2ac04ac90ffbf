package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.GemmTilesPreference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** The encoder block (d=768, 12 heads, ff=3072, GELU, post-LN), fused versus unfused graph. */
public class BlockBenchmark extends BenchmarkDefaults {
    @Param({"512", "2048"})
    public int n;

    @Param({"UNFUSED", "FUSED"})
    public EncoderBlock.Variant variant;

    private Backend runner;
    private ExecutionPlan plan;

    @Setup
    public void setUp() {
        BlockConfig config = BlockConfig.of(768, 12, 3072).withActivation(BlockConfig.Activation.GELU);
        runner = newBackend();
        BlockGraph bg = EncoderBlock.of(config, BlockWeights.random(768, 3072, 42), GemmTilesPreference.of(runner))
                .build(variant, 1, n);
        System.arraycopy(Inputs.gaussian(bg.input().length, 5), 0, bg.input(), 0, bg.input().length);
        plan = runner.plan(bg.graph());
    }

    @Benchmark
    public Object block() {
        return plan.execute();
    }

    @TearDown
    public void tearDown() {
        runner.close();
    }
}
