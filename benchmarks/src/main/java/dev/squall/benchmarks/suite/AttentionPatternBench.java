package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.FusedAttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.ApproximationError;
import dev.squall.engine.layers.pattern.AttentionPattern;
import dev.squall.engine.layers.pattern.AttentionRuns;
import dev.squall.engine.layers.pattern.PatternWork;
import dev.squall.benchmarks.report.Chart;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sparse, low-rank and linear attention patterns against dense fused attention, side by side on one
 * backend, for growing sequence lengths: median time, working memory, and approximation error against
 * dense attention (where dense ran).
 *
 * <p>Working memory is what the attention step holds: its activations at their peak (Q, K, V, output and
 * any scratch: heaps, cluster lists, projections, running sums) plus the pattern's constant arrays
 * (descriptors, block lists, projection matrices), from {@link GraphMemory}; "extra" is the part beyond
 * Q, K, V and the output.
 *
 * <p>Budget: an operation is skipped at a length where its predicted single-run time exceeds the time
 * budget — predicted from its first runs at the last lengths (the growth exponent of its last two points, 2
 * when only one is known) — or where its working memory would exceed half the JVM's maximum heap. This is what
 * stops dense attention (quadratic time) and the quadratic patterns early while the linear ones keep going.
 */
public final class AttentionPatternBench implements BenchSuite {
    /** Name of the dense baseline in tables and charts. */
    public static final String DENSE = "dense (fused)";

    /**
     * One measurement.
     *
     * @param n       sequence length
     * @param op      {@link #DENSE} or a pattern's text
     * @param millis  median time, or NaN when skipped
     * @param working working memory in bytes (see the class comment), or -1 when skipped
     * @param extra   working memory beyond Q, K, V and the output, or -1 when skipped
     * @param error   error against dense attention, or null where dense did not run
     * @param note    why it was skipped, or empty
     */
    public record Row(int n, String op, double millis, long working, long extra, ApproximationError error, String note) {
        /** Whether it ran. */
        public boolean ran() {
            return !Double.isNaN(millis);
        }
    }

    private final List<String> patterns;
    private final int[] lengths;
    private final int heads;
    private final int headDim;
    private final boolean causal;
    private final double budgetSeconds;
    private final Timing timing;
    private final List<Row> rows = new ArrayList<>();
    /** Per operation, the warm-up runs at each timed length ({@link Timing.Result#warmupText}). */
    private final Map<String, String> warmups = new LinkedHashMap<>();

    /**
     * A suite over {@code lengths} for {@code patterns} (texts in the {@link AttentionPattern} grammar) and
     * dense fused attention, one sequence of each length, {@code heads} heads of {@code headDim}.
     */
    public AttentionPatternBench(List<String> patterns, int[] lengths, int heads, int headDim, boolean causal,
                                 double budgetSeconds, Timing timing) {
        patterns.forEach(AttentionPattern::parse); // fail early on a bad pattern
        for (int n : lengths) {
            if (n < 1) {
                throw new IllegalArgumentException("sequence lengths must be >= 1, got " + n);
            }
        }
        if (heads < 1 || headDim < 1 || !(budgetSeconds > 0)) {
            throw new IllegalArgumentException("heads and head dimension must be >= 1 and the budget > 0, got " + heads
                    + ", " + headDim + ", " + budgetSeconds);
        }
        this.patterns = List.copyOf(patterns);
        this.lengths = lengths.clone();
        this.heads = heads;
        this.headDim = headDim;
        this.causal = causal;
        this.budgetSeconds = budgetSeconds;
        this.timing = timing;
    }

    /** The measurements, once {@link #run} has run. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /**
     * Runs each operation at every length in turn. An operation's lengths are timed together in interleaved
     * rounds (each round runs every length once), so that its time(2N)/time(N) ratios do not depend on which
     * length met a slow spell of a shared machine; a first untimed run at each length (also the JIT's) feeds the
     * budget's prediction for the next one.
     */
    @Override
    public double work() {
        return ops().stream().mapToDouble(this::work).sum();
    }

    /** Dense attention's FLOPs at every length; a pattern's as if it saw 256 keys per query (a rough guess). */
    private double work(String op) {
        double w = 0;
        for (int n : lengths) {
            w += 4.0 * n * (op.equals(DENSE) ? n : Math.min(n, 256)) * heads * headDim;
        }
        return w;
    }

    @Override
    public void run(Backend backend, Progress progress) {
        rows.clear();
        warmups.clear();
        int width = heads * headDim;
        Map<Integer, QkvLayout> inputs = new LinkedHashMap<>();
        Map<Integer, float[]> denseOutputs = new LinkedHashMap<>();
        for (String name : ops()) {
            progress.begin("attention " + label(name), work(name));
            AttentionOp op = name.equals(DENSE) ? new FusedAttentionOp()
                    : AttentionPattern.parse(name).op(EncoderBlock.Variant.FUSED);
            List<Row> probes = new ArrayList<>();
            List<Integer> timed = new ArrayList<>();
            List<ExecutionPlan> plans = new ArrayList<>();
            List<float[]> outputs = new ArrayList<>();
            List<Long> working = new ArrayList<>();
            for (int n : lengths) {
                String skip = budgetNote(probes, n);
                if (!skip.isEmpty()) {
                    progress.step("attention " + name + " N=" + n + ": skipped, " + skip);
                    rows.add(new Row(n, name, Double.NaN, -1, -1, null, skip));
                    probes.add(rows.get(rows.size() - 1));
                    continue;
                }
                QkvLayout qkv = inputs.computeIfAbsent(n, len -> QkvLayout.packed(Inputs.gaussian(Math.multiplyExact(len,
                        3 * width), len), width));
                float[] out = new float[n * width];
                TaskGraph g;
                try {
                    g = AttentionRuns.graph(op, qkv, out, Sequences.uniform(1, n), heads, headDim, causal);
                } catch (IllegalArgumentException notApplicable) {
                    rows.add(new Row(n, name, Double.NaN, -1, -1, null, notApplicable.getMessage()));
                    continue;
                }
                GraphMemory mem = GraphMemory.of(List.of(g));
                long bytes = mem.peakLiveBytes() + mem.weightBytes();
                if (bytes > Runtime.getRuntime().maxMemory() / 2) {
                    rows.add(new Row(n, name, Double.NaN, -1, -1, null, "over the memory budget"));
                    probes.add(rows.get(rows.size() - 1));
                    continue;
                }
                ExecutionPlan plan = backend.plan(g);
                progress.step("attention " + name + " N=" + n + ": first run");
                long start = System.nanoTime();
                plan.execute();
                probes.add(new Row(n, name, (System.nanoTime() - start) / 1e6, bytes, 0, null, ""));
                timed.add(n);
                plans.add(plan);
                outputs.add(out);
                working.add(bytes);
            }
            Timing.Result result = timing.interleaved(plans.stream().<Runnable>map(p -> p::execute).toList(),
                    r -> "attention " + name + " N=" + timed.get(r), progress);
            double[] ms = result.medians();
            warmups.put(name, result.warmupText(timing));
            for (int t = 0; t < timed.size(); t++) {
                int n = timed.get(t);
                if (name.equals(DENSE)) {
                    denseOutputs.put(n, outputs.get(t));
                }
                float[] dense = denseOutputs.get(n);
                long inOut = 4L * inputs.get(n).q().length + 4L * outputs.get(t).length;
                rows.add(new Row(n, name, ms[t], working.get(t), working.get(t) - inOut,
                        dense == null ? null : ApproximationError.of(outputs.get(t), dense), ""));
            }
            progress.done("attention " + label(name) + ": " + summary(timed, ms, result.warmupText(timing)));
        }
        List<String> order = ops();
        rows.sort(Comparator.comparingInt(Row::n).thenComparingInt(r -> order.indexOf(r.op())));
    }

    private static String summary(List<Integer> timed, double[] ms, String warmup) {
        if (timed.isEmpty()) {
            return "skipped at every length";
        }
        StringBuilder sb = new StringBuilder();
        for (int t = 0; t < timed.size(); t++) {
            sb.append(t == 0 ? "" : ", ").append(String.format(Locale.ROOT, "N=%d %.1f ms", timed.get(t), ms[t]));
        }
        return sb.append(" (warm-up ").append(warmup).append(" runs)").toString();
    }

    /** Per operation, the warm-up runs at each of its timed lengths. */
    private String warmupText() {
        StringBuilder sb = new StringBuilder("Warm-up runs per timed length, in order: ");
        warmups.forEach((op, w) -> sb.append(label(op)).append(' ').append(w).append("; "));
        return sb.append(timing.describe()).toString();
    }

    /**
     * Empty, or why the operation does not run at {@code n}, given its first runs at shorter lengths (see the
     * class comment).
     */
    private String budgetNote(List<Row> probes, int n) {
        if (probes.stream().anyMatch(r -> r.note().contains("budget"))) {
            return "over budget at a shorter length";
        }
        if (probes.isEmpty()) {
            return "";
        }
        Row last = probes.get(probes.size() - 1);
        double exponent = 2;
        if (probes.size() >= 2) {
            Row before = probes.get(probes.size() - 2);
            exponent = Math.log(last.millis() / before.millis()) / Math.log((double) last.n() / before.n());
            exponent = Math.max(1, Math.min(2, exponent));
        }
        double predicted = last.millis() * Math.pow((double) n / last.n(), exponent) / 1000;
        return predicted > budgetSeconds ? String.format(Locale.ROOT, "predicted %.0f s per run > budget %.0f s",
                predicted, budgetSeconds) : "";
    }

    @Override
    public String text() {
        return String.format(Locale.ROOT, "attention patterns: heads=%d d=%d batch=1%s, budget %.0f s per run%n", heads,
                headDim, causal ? " causal" : "", budgetSeconds) + table().text() + "\ntime(2N)/time(N):\n"
                + scaling().text() + warmupText() + "\n";
    }

    @Override
    public void addTo(Report report) {
        Chart time = Chart.logLog("Attention time vs sequence length", "N (tokens)", "ms");
        Chart memory = Chart.logLog("Attention working memory vs sequence length", "N (tokens)", "MiB");
        for (String op : ops()) {
            List<Row> ran = rows.stream().filter(r -> r.op().equals(op) && r.ran()).toList();
            if (!ran.isEmpty()) {
                double[] n = ran.stream().mapToDouble(Row::n).toArray();
                time.series(label(op), n, ran.stream().mapToDouble(Row::millis).toArray());
                memory.series(label(op), n, ran.stream().mapToDouble(r -> r.working() / 1048576.0).toArray());
            }
        }
        report.section("Sparse, low-rank and linear attention vs dense")
                .text(String.format(Locale.ROOT, "One sequence, %d heads of %d%s, fused kernels. An operation's "
                                + "lengths are timed together in interleaved rounds (warm-up: below). "
                                + "Working memory = Q, K, V, output, scratch and the pattern's constant arrays; extra = "
                                + "beyond Q, K, V and output. Error = relative Frobenius norm of the difference to dense "
                                + "attention (random N(0,1) inputs), where dense ran. Efficiency vs dense = (dense time / "
                                + "dense scores) / (time / the operation's scores), scores counted in dense-score "
                                + "equivalents (visible scores for mask patterns; PatternWork). An operation stops where its "
                                + "predicted time per run exceeds %.0f s.", heads, headDim,
                        causal ? ", causal" : "", budgetSeconds))
                .table(table())
                .text("Scaling: time(2N) / time(N) for consecutive measured lengths.")
                .table(scaling())
                .text(warmupText())
                .chart(time)
                .chart(memory);
    }

    private List<String> ops() {
        List<String> ops = new ArrayList<>(List.of(DENSE));
        ops.addAll(patterns);
        return ops;
    }

    private Table table() {
        Table.Builder t = Table.of("N", "attention", "ms", "vs dense", "eff. vs dense", "working MiB", "extra MiB",
                "rel. error", "note");
        for (Row r : rows) {
            Row dense = rows.stream().filter(x -> x.n() == r.n() && x.op().equals(DENSE) && x.ran()).findFirst().orElse(null);
            t.row(Integer.toString(r.n()), label(r.op()), r.ran() ? f("%.1f", r.millis()) : "-",
                    r.ran() && dense != null ? f("%.1fx", dense.millis() / r.millis()) : "-",
                    r.ran() && dense != null ? f("%.2f", efficiency(r, dense)) : "-",
                    r.ran() ? mib(r.working()) : "-", r.ran() ? mib(r.extra()) : "-",
                    r.error() == null ? "-" : f("%.2e", r.error().relativeFrobenius()), r.note());
        }
        return t.build();
    }

    /**
     * (dense time / dense scores) ÷ (time / the operation's scores), its scores in dense-score equivalents
     * ({@link PatternWork}): 1 means as fast per score as dense attention.
     */
    double efficiency(Row r, Row dense) {
        long work = r.op().equals(DENSE) ? PatternWork.dense(r.n(), heads, causal)
                : PatternWork.of(AttentionPattern.parse(r.op()), r.n(), heads, headDim, causal);
        return dense.millis() / PatternWork.dense(r.n(), heads, causal) / (r.millis() / work);
    }

    private Table scaling() {
        List<String> header = new ArrayList<>(List.of("attention"));
        for (int e = 1; e < lengths.length; e++) {
            header.add(lengths[e - 1] + "->" + lengths[e]);
        }
        Table.Builder t = Table.of(header.toArray(String[]::new));
        for (String op : ops()) {
            List<String> cells = new ArrayList<>(List.of(label(op)));
            for (int e = 1; e < lengths.length; e++) {
                Row a = find(op, lengths[e - 1]);
                Row b = find(op, lengths[e]);
                cells.add(a != null && b != null && a.ran() && b.ran() ? f("%.2f", b.millis() / a.millis()) : "-");
            }
            t.row(cells.toArray(String[]::new));
        }
        return t.build();
    }

    /** The operation's name with the directories of its .npy files left out, for tables and charts. */
    static String label(String op) {
        return op.replaceAll("[^:]*[/\\\\]([^/\\\\:]+\\.npy)", "$1");
    }

    private Row find(String op, int n) {
        return rows.stream().filter(r -> r.op().equals(op) && r.n() == n).findFirst().orElse(null);
    }

    private static String mib(long bytes) {
        return f("%.1f", bytes / 1048576.0);
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
