package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.FusedAttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.UnfusedAttention;
import dev.squall.benchmarks.report.Chart;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Multi-head self-attention alone, unfused (score and probability matrices materialised) versus fused
 * (online softmax, no {@code n × n} buffer), at several sequence lengths: median time, GFLOP/s, peak working
 * set and the largest difference between the two outputs. Q, K and V come packed from one QKV projection.
 */
public final class AttentionBench implements BenchSuite {

    /**
     * One measured length.
     *
     * @param n             sequence length
     * @param unfusedMillis median time, unfused
     * @param fusedMillis   median time, fused
     * @param unfused       memory of the unfused graph
     * @param fused         memory of the fused graph
     * @param maxAbsDiff    largest |unfused − fused| over the outputs
     * @param flops         floating-point operations of one pass (two products of n² · width multiply-adds)
     * @param warmup        warm-up runs, unfused/fused, as {@link Timing.Result#warmupText}
     */
    public record Row(int n, double unfusedMillis, double fusedMillis, GraphMemory unfused, GraphMemory fused,
                      double maxAbsDiff, double flops, String warmup) {
        /** Unfused time over fused time. */
        public double speedup() {
            return unfusedMillis / fusedMillis;
        }
    }

    private final int heads;
    private final int headDim;
    private final boolean causal;
    private final int[] lengths;
    private final Timing timing;
    private final List<Row> rows = new ArrayList<>();

    /** A suite of {@code heads × headDim} attention over {@code lengths} (one sequence each). */
    public AttentionBench(int heads, int headDim, boolean causal, int[] lengths, Timing timing) {
        if (heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("heads and head dimension must be >= 1, got " + heads + ", " + headDim);
        }
        for (int n : lengths) {
            if (n < 1) {
                throw new IllegalArgumentException("sequence lengths must be >= 1, got " + n);
            }
        }
        this.heads = heads;
        this.headDim = headDim;
        this.causal = causal;
        this.lengths = lengths.clone();
        this.timing = timing;
    }

    /** The measured rows, once {@link #run} has run. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    @Override
    public double work() {
        return java.util.Arrays.stream(lengths).mapToDouble(n -> 2 * flops(n)).sum();
    }

    private double flops(int n) {
        double keys = causal ? (n + 1) / 2.0 : n;
        return 2.0 * 2 * n * keys * heads * headDim;
    }

    @Override
    public void run(Backend backend, Progress progress) {
        rows.clear();
        int width = heads * headDim;
        for (int n : lengths) {
            progress.begin("attention N=" + n, 2 * flops(n));
            float[] qkv = Inputs.gaussian(n * 3 * width, n);
            List<Prepared> ops = List.of(prepared(new UnfusedAttention(), qkv, n), prepared(new FusedAttentionOp(), qkv, n));
            List<ExecutionPlan> plans = ops.stream().map(p -> backend.plan(p.graph)).toList();
            Timing.Result t = timing.interleaved(plans.stream().<Runnable>map(p -> p::execute).toList(),
                    r -> "attention N=" + n + " " + ops.get(r).graph.name(), progress);
            double[] ms = t.medians();
            rows.add(new Row(n, ms[0], ms[1], ops.get(0).memory(), ops.get(1).memory(),
                    maxAbsDiff(ops.get(0).out, ops.get(1).out), flops(n), t.warmupText(timing)));
            progress.done(String.format(Locale.ROOT, "attention N=%d: unfused %.1f ms, fused %.1f ms (warm-up %s runs)",
                    n, ms[0], ms[1], t.warmupText(timing)));
        }
    }

    @Override
    public String text() {
        return String.format(Locale.ROOT, "attention: %d heads x %d%s%n", heads, headDim, causal ? ", causal" : "")
                + table().text() + "peak = working set of the graph (Q/K/V input and output included); warm-up = "
                + "runs, unfused/fused\n" + timing.describe() + "\n";
    }

    @Override
    public void addTo(Report report) {
        double[] n = rows.stream().mapToDouble(Row::n).toArray();
        report.section("Attention: fused vs unfused")
                .text(String.format(Locale.ROOT, "%d heads × %d%s, one sequence, Q/K/V packed from one projection. "
                                + "%s Peak working set = bytes of the graph's arrays live at once. Warm-up = runs, "
                                + "unfused/fused.", heads, headDim, causal ? ", causal" : "", timing.describe()))
                .table(table())
                .chart(Chart.logLog("Attention time vs sequence length", "N (tokens)", "ms")
                        .series("unfused", n, rows.stream().mapToDouble(Row::unfusedMillis).toArray())
                        .series("fused", n, rows.stream().mapToDouble(Row::fusedMillis).toArray()))
                .chart(Chart.logLog("Attention peak working set vs sequence length", "N (tokens)", "MiB")
                        .series("unfused", n, rows.stream().mapToDouble(r -> mibOf(r.unfused())).toArray())
                        .series("fused", n, rows.stream().mapToDouble(r -> mibOf(r.fused())).toArray()));
    }

    private Table table() {
        Table.Builder t = Table.of("N", "unfused ms", "fused ms", "speed-up", "unfused GFLOP/s", "fused GFLOP/s",
                "unfused peak MiB", "fused peak MiB", "max |diff|", "warm-up");
        for (Row r : rows) {
            t.row(Integer.toString(r.n()), f("%.1f", r.unfusedMillis()), f("%.1f", r.fusedMillis()),
                    f("%.2fx", r.speedup()), f("%.1f", r.flops() / r.unfusedMillis() / 1e6),
                    f("%.1f", r.flops() / r.fusedMillis() / 1e6), f("%.1f", mibOf(r.unfused())),
                    f("%.1f", mibOf(r.fused())), f("%.2e", r.maxAbsDiff()), r.warmup());
        }
        return t.build();
    }

    /** An attention graph ready to plan, and the array it writes. */
    private record Prepared(TaskGraph graph, float[] out) {
        GraphMemory memory() {
            return GraphMemory.of(List.of(graph));
        }
    }

    private Prepared prepared(AttentionOp op, float[] qkv, int n) {
        int width = heads * headDim;
        float[] out = new float[n * width];
        TaskGraph g = new TaskGraph("attention-" + op.name()).transferToDevice(DataTransferMode.EVERY_EXECUTION, qkv);
        op.addTo(g, "attention", QkvLayout.packed(qkv, width), out, Sequences.uniform(1, n), heads, headDim, causal);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        return new Prepared(g, out);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    private static double mibOf(GraphMemory m) {
        return m.peakLiveBytes() / 1048576.0;
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
