package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.benchmarks.suite.SkewedLengths;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.engine.layers.PaddedBatch;
import dev.squall.engine.layers.PaddedBlock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Arrays;

/**
 * Padding removal: the encoder block (d=768, 12 heads, ff=3072, GELU, post-LN) on 32 sequences of skewed
 * lengths ({@link SkewedLengths}, log-normal, target mean 25% of {@code maxLen}, seed 42) padded to the
 * longest, run padded (every row, padding keys masked) or packed (padding removed), each unfused or fused.
 * Input and output are padded in every mode, as in {@code squall bench --packed}.
 */
public class PackedBlockBenchmark extends BenchmarkDefaults {
    @Param({"512"})
    public int maxLen;

    @Param({"0.25"})
    public double meanFraction;

    @Param({"PADDED", "PACKED"})
    public PaddedBlock.Mode mode;

    @Param({"UNFUSED", "FUSED"})
    public EncoderBlock.Variant variant;

    private Backend runner;
    private ExecutionPlan plan;

    @Setup
    public void setUp() {
        BlockConfig config = BlockConfig.of(768, 12, 3072).withActivation(BlockConfig.Activation.GELU);
        int[] lengths = new SkewedLengths(maxLen, meanFraction, SkewedLengths.DEFAULT_SIGMA, 42).draw(32);
        PaddedBatch batch = PaddedBatch.ofLengths(Arrays.stream(lengths).max().orElseThrow(), lengths);
        runner = newBackend();
        BlockGraph bg = new PaddedBlock(EncoderBlock.of(config, BlockWeights.random(768, 3072, 42),
                GemmTilesPreference.of(runner))).build(mode, variant, batch);
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
