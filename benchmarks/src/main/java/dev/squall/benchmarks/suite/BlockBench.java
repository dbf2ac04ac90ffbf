package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.benchmarks.report.Chart;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Fused versus unfused encoder block at several sequence lengths, measured side by side on one backend:
 * median time, peak working set of each graph, and the largest difference between their outputs.
 */
public final class BlockBench implements BenchSuite {

    /**
     * One measured shape.
     *
     * @param n             sequence length
     * @param unfusedMillis median time of the unfused graph
     * @param fusedMillis   median time of the fused graph
     * @param unfused       memory of the unfused graph
     * @param fused         memory of the fused graph
     * @param maxAbsDiff    largest |unfused − fused| over the outputs
     * @param flops         floating-point operations of one forward pass
     */
    public record Row(int n, double unfusedMillis, double fusedMillis, GraphMemory unfused, GraphMemory fused,
                      double maxAbsDiff, double flops) {
        /** Unfused time over fused time. */
        public double speedup() {
            return unfusedMillis / fusedMillis;
        }
    }

    private final BlockConfig config;
    private final int batch;
    private final int[] lengths;
    private final Timing timing;
    private final List<Row> rows = new ArrayList<>();

    /** A suite over {@code lengths} for {@code batch} sequences of a block shaped by {@code config}. */
    public BlockBench(BlockConfig config, int batch, int[] lengths, Timing timing) {
        checkShape(batch, lengths);
        this.config = config;
        this.batch = batch;
        this.lengths = lengths.clone();
        this.timing = timing;
    }

    /** Requires {@code batch >= 1} and every length {@code >= 1}. */
    static void checkShape(int batch, int[] lengths) {
        for (int n : lengths) {
            if (n < 1) {
                throw new IllegalArgumentException("sequence lengths must be >= 1, got " + n);
            }
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
    }

    /** The measured rows, once {@link #run} has run. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    @Override
    public void run(Backend backend, Consumer<String> progress) {
        EncoderBlock block = EncoderBlock.of(config, BlockWeights.random(config.dModel(), config.ffDim(), 42),
                GemmTilesPreference.of(backend));
        rows.clear();
        for (int n : lengths) {
            float[] x = Inputs.gaussian(batch * n * config.dModel(), n);
            BlockGraph unfused = prepared(block, EncoderBlock.Variant.UNFUSED, x, n);
            BlockGraph fused = prepared(block, EncoderBlock.Variant.FUSED, x, n);
            ExecutionPlan unfusedPlan = backend.plan(unfused.graph());
            ExecutionPlan fusedPlan = backend.plan(fused.graph());
            double[] ms = timing.interleavedMedianMillis(List.of(unfusedPlan::execute, fusedPlan::execute),
                    (r, i) -> progress.accept("block N=" + n + " " + (r == 0 ? "unfused" : "fused") + " "
                            + timing.round(i)));
            rows.add(new Row(n, ms[0], ms[1], unfused.memory(), fused.memory(),
                    maxAbsDiff(unfused.output(), fused.output()), flops(config, batch, n)));
        }
    }

    @Override
    public String text() {
        return String.format(Locale.ROOT, "block: d=%d heads=%d ff=%d batch=%d %s%s%n", config.dModel(), config.heads(),
                config.ffDim(), batch, config.normFirst() ? "pre-LN" : "post-LN", config.causal() ? " causal" : "")
                + table().text()
                + "peak = activations live at once, weights excluded (" + mib(weightBytes()) + " MiB); "
                + "GFLOP/s of the fused graph\n";
    }

    @Override
    public void addTo(Report report) {
        double[] n = rows.stream().mapToDouble(Row::n).toArray();
        report.section("Transformer block: fused vs unfused")
                .text(String.format(Locale.ROOT, "d=%d, %d heads, ff=%d, batch %d, %s%s. Median of %d runs after %d "
                                + "warm-up. Peak working set = activation bytes live at once (weights, %s MiB, excluded).",
                        config.dModel(), config.heads(), config.ffDim(), batch,
                        config.normFirst() ? "pre-LN" : "post-LN", config.causal() ? ", causal" : "",
                        timing.repetitions(), timing.warmup(), mib(weightBytes())))
                .table(table())
                .chart(Chart.logLog("Block time vs sequence length", "N (tokens)", "ms")
                        .series("unfused", n, rows.stream().mapToDouble(Row::unfusedMillis).toArray())
                        .series("fused", n, rows.stream().mapToDouble(Row::fusedMillis).toArray()))
                .chart(Chart.logLog("Block peak working set vs sequence length", "N (tokens)", "MiB")
                        .series("unfused", n, rows.stream().mapToDouble(r -> r.unfused().peakLiveBytes() / 1048576.0).toArray())
                        .series("fused", n, rows.stream().mapToDouble(r -> r.fused().peakLiveBytes() / 1048576.0).toArray()));
    }

    private Table table() {
        Table.Builder t = Table.of("N", "unfused ms", "fused ms", "speed-up", "fused GFLOP/s", "unfused peak MiB",
                "fused peak MiB", "max |diff|");
        for (Row r : rows) {
            t.row(Integer.toString(r.n()), f("%.1f", r.unfusedMillis()), f("%.1f", r.fusedMillis()),
                    f("%.2fx", r.speedup()), f("%.1f", r.flops() / r.fusedMillis() / 1e6),
                    mib(r.unfused().peakLiveBytes()), mib(r.fused().peakLiveBytes()), f("%.2e", r.maxAbsDiff()));
        }
        return t.build();
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

    private long weightBytes() {
        return rows.isEmpty() ? 0 : rows.get(0).fused().weightBytes();
    }

    /** The block graph of {@code variant} with {@code x} in its input. */
    private BlockGraph prepared(EncoderBlock block, EncoderBlock.Variant variant, float[] x, int n) {
        BlockGraph bg = block.build(variant, batch, n);
        System.arraycopy(x, 0, bg.input(), 0, x.length);
        return bg;
    }

    /** Largest {@code |a[i] − b[i]|}. */
    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    private static String mib(long bytes) {
        return f("%.1f", bytes / 1048576.0);
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
