package dev.squall.engine.bench;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.engine.layers.GemmTilesPreference;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Fused versus unfused encoder block at several sequence lengths, measured side by side on one backend:
 * median time, peak working set of each graph, and the largest difference between their outputs.
 */
public final class BlockBench {

    /**
     * One measured shape.
     *
     * @param n             sequence length
     * @param batch         sequences
     * @param unfusedMillis median time of the unfused graph
     * @param fusedMillis   median time of the fused graph
     * @param unfused       memory of the unfused graph
     * @param fused         memory of the fused graph
     * @param maxAbsDiff    largest |unfused − fused| over the outputs
     * @param flops         floating-point operations of one forward pass
     */
    public record Row(int n, int batch, double unfusedMillis, double fusedMillis, GraphMemory unfused,
                      GraphMemory fused, double maxAbsDiff, double flops) {
        /** Unfused time over fused time. */
        public double speedup() {
            return unfusedMillis / fusedMillis;
        }
    }

    private BlockBench() {
    }

    /** Measures every length in {@code lengths}; {@code progress} receives one line per step. */
    public static List<Row> run(Backend backend, BlockConfig config, int batch, int[] lengths, Timing timing,
                                Consumer<String> progress) {
        EncoderBlock block = block(config, BlockWeights.random(config.dModel(), config.ffDim(), 42),
                GemmTilesPreference.of(backend));
        List<Row> rows = new ArrayList<>();
        for (int n : lengths) {
            float[] x = input(batch * n * config.dModel(), n);
            Measured unfused = measure(backend, block, EncoderBlock.Variant.UNFUSED, x, batch, n, timing, progress);
            Measured fused = measure(backend, block, EncoderBlock.Variant.FUSED, x, batch, n, timing, progress);
            rows.add(new Row(n, batch, unfused.millis, fused.millis, unfused.memory, fused.memory,
                    maxAbsDiff(unfused.output, fused.output), flops(config, batch, n)));
        }
        return rows;
    }

    /** A block whose linear layers run the tiled GEMM with {@code tiles}. */
    public static EncoderBlock block(BlockConfig config, BlockWeights w, GemmTiles tiles) {
        return new EncoderBlock(config, w, w.inProj().withTiles(tiles), w.outProj().withTiles(tiles),
                w.ffn1().withTiles(tiles), w.ffn2().withTiles(tiles));
    }

    /** Multiply-adds count two: the projections, the two attention products, and the feed-forward. */
    public static double flops(BlockConfig c, int batch, int n) {
        double tokens = (double) batch * n;
        double d = c.dModel();
        double linear = 2 * tokens * d * (3 * d + d + 2.0 * c.ffDim());
        double keys = c.causal() ? (n + 1) / 2.0 : n;
        double attention = 2 * 2 * tokens * keys * d;
        return linear + attention;
    }

    private record Measured(double millis, GraphMemory memory, float[] output) {
    }

    private static Measured measure(Backend backend, EncoderBlock block, EncoderBlock.Variant variant, float[] x,
                                    int batch, int n, Timing timing, Consumer<String> progress) {
        BlockGraph bg = block.build(variant, batch, n);
        System.arraycopy(x, 0, bg.input(), 0, x.length);
        ExecutionPlan plan = backend.plan(bg.graph());
        String name = variant.name().toLowerCase(java.util.Locale.ROOT);
        double ms = timing.medianMillis(plan::execute, i -> progress.accept("N=" + n + " " + name + " "
                + (i < 0 ? "warm-up " + (i + timing.warmup() + 1) + "/" + timing.warmup()
                : "run " + (i + 1) + "/" + timing.repetitions())));
        return new Measured(ms, bg.memory(), bg.output().clone());
    }

    /** Reproducible standard-normal input of {@code size} values. */
    static float[] input(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** Largest {@code |a[i] − b[i]|}. */
    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
