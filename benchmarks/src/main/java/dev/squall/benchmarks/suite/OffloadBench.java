package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphSplit;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What keeping data on the device is worth: the fused and unfused block, each run as one graph, as one
 * graph per task chained on the device (persist/consume), and as one graph per task with every
 * intermediate copied to the host and back (the naive offload pattern). Per variant: median time, the
 * bytes moved between host and device per execution, the device's own timers and the largest difference
 * from the fused one-graph output.
 */
public final class OffloadBench implements BenchSuite {
    /** How a block's graph is laid out for execution. */
    public enum Layout {
        /** The block's graph as built. */
        ONE_GRAPH("one graph"),
        /** One graph per task, intermediates persisted on the device and consumed by the next graphs. */
        PER_TASK_ON_DEVICE("per task, kept on device"),
        /** One graph per task, intermediates copied to the host and back between graphs. */
        PER_TASK_ROUND_TRIPS("per task, host round trips");

        private final String label;

        Layout(String label) {
            this.label = label;
        }

        List<TaskGraph> apply(TaskGraph g) {
            return switch (this) {
                case ONE_GRAPH -> List.of(g);
                case PER_TASK_ON_DEVICE -> GraphSplit.perTask(g, GraphSplit.Boundary.PERSIST);
                case PER_TASK_ROUND_TRIPS -> GraphSplit.perTask(g, GraphSplit.Boundary.HOST_ROUND_TRIP);
            };
        }
    }

    /**
     * One measured variant.
     *
     * @param variant       fused or unfused block
     * @param layout        how its graph was laid out
     * @param graphs        graphs in the plan
     * @param millis        median time of one execution
     * @param bytesToDevice bytes copied to the device in a steady-state execution
     * @param bytesToHost   bytes copied to the host in a steady-state execution
     * @param device        the backend's device timers of that execution
     * @param maxAbsDiff    largest difference from the fused one-graph output
     */
    public record Row(EncoderBlock.Variant variant, Layout layout, int graphs, double millis, long bytesToDevice,
                      long bytesToHost, Profile.DeviceTimers device, double maxAbsDiff) {
        /** E.g. {@code unfused, per task, host round trips}. */
        public String label() {
            return variant.name().toLowerCase(Locale.ROOT) + ", " + layout.label;
        }
    }

    private final BlockConfig config;
    private final int batch;
    private final int[] lengths;
    private final Timing timing;
    private final List<List<Row>> results = new ArrayList<>();

    /** A suite over {@code lengths} for {@code batch} sequences of a block shaped by {@code config}. */
    public OffloadBench(BlockConfig config, int batch, int[] lengths, Timing timing) {
        BlockBench.checkShape(batch, lengths);
        this.config = config;
        this.batch = batch;
        this.lengths = lengths.clone();
        this.timing = timing;
    }

    @Override
    public double work() {
        return java.util.Arrays.stream(lengths).mapToDouble(this::work).sum();
    }

    /** Every variant and layout: six block passes. */
    private double work(int n) {
        return 6 * BlockBench.flops(config, batch, n);
    }

    @Override
    public void run(Backend backend, Progress progress) {
        results.clear();
        for (int n : lengths) {
            progress.begin("offload N=" + n, work(n));
            List<Row> rows = run(backend, config, batch, n, timing, progress);
            results.add(rows);
            progress.done("offload N=" + n + ": " + String.join(", ", rows.stream()
                    .map(r -> String.format(Locale.ROOT, "%s %.1f ms", r.label(), r.millis())).toList()));
        }
    }

    @Override
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lengths.length; i++) {
            sb.append("N=").append(lengths[i]).append('\n').append(table(results.get(i)).text());
        }
        return sb.append(NOTE).append('\n').toString();
    }

    @Override
    public void addTo(Report report) {
        Report.Section s = report.section("Offload: one graph vs one graph per task").text(NOTE);
        for (int i = 0; i < lengths.length; i++) {
            s.text("N = " + lengths[i]).table(table(results.get(i)));
        }
    }

    private static final String NOTE = "bytes and device timers of one steady-state execution (after the first);"
            + " speed-up over the unfused block offloaded task by task with host round trips";

    /** Measures every variant and layout on {@code batch} sequences of {@code n} tokens. */
    public static List<Row> run(Backend backend, BlockConfig config, int batch, int n, Timing timing,
                                Progress progress) {
        EncoderBlock block = EncoderBlock.of(config, BlockWeights.random(config.dModel(), config.ffDim(), 42),
                GemmTilesPreference.of(backend));
        float[] x = Inputs.gaussian(batch * n * config.dModel(), n);
        List<Row> rows = new ArrayList<>();
        float[] reference = null;
        for (EncoderBlock.Variant variant : List.of(EncoderBlock.Variant.FUSED, EncoderBlock.Variant.UNFUSED)) {
            for (Layout layout : Layout.values()) {
                BlockGraph bg = block.build(variant, batch, n);
                System.arraycopy(x, 0, bg.input(), 0, x.length);
                List<TaskGraph> graphs = layout.apply(bg.graph());
                ExecutionPlan plan = backend.plan(graphs);
                String what = "N=" + n + " " + variant.name().toLowerCase(Locale.ROOT) + ", " + layout.label;
                Profile[] last = new Profile[1];
                double ms = timing.medianMillis(() -> last[0] = plan.execute(), what, progress);
                if (reference == null) {
                    reference = bg.output().clone();
                }
                Profile p = last[0];
                rows.add(new Row(variant, layout, graphs.size(), ms,
                        p.graphs().stream().mapToLong(Profile.GraphProfile::bytesToDevice).sum(),
                        p.graphs().stream().mapToLong(Profile.GraphProfile::bytesToHost).sum(),
                        p.deviceTimers(), BlockBench.maxAbsDiff(reference, bg.output())));
            }
        }
        return rows;
    }

    /** The rows as a table; speed-ups are relative to the unfused block with host round trips. */
    public static Table table(List<Row> rows) {
        double naive = rows.stream().filter(r -> r.variant() == EncoderBlock.Variant.UNFUSED
                && r.layout() == Layout.PER_TASK_ROUND_TRIPS).mapToDouble(Row::millis).findFirst().orElse(Double.NaN);
        Table.Builder t = Table.of("variant", "graphs", "ms", "speed-up", "to dev MiB", "to host MiB", "kernel ms",
                "copy ms", "max |diff|");
        for (Row r : rows) {
            t.row(r.label(), Integer.toString(r.graphs()), f("%.2f", r.millis()), f("%.2fx", naive / r.millis()),
                    f("%.3f", mib(r.bytesToDevice())), f("%.3f", mib(r.bytesToHost())),
                    f("%.2f", r.device().kernelNanos() / 1e6),
                    f("%.2f", (r.device().copyInNanos() + r.device().copyOutNanos()) / 1e6), f("%.2e", r.maxAbsDiff()));
        }
        return t.build();
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
