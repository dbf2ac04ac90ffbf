package dev.squall.benchmarks.suite;

import dev.squall.benchmarks.peer.BlasPeer;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.Linear;
import dev.squall.benchmarks.report.Chart;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;
import dev.squall.tasks.activation.Activations;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * fp32 GEMM {@code C[M,N] = A[M,K]·B[K,N]} (the product every linear layer runs) side by side: Squall's
 * linear layer ({@link Linear}) on the given backend (with its fast paths), the same kernel plain, the system
 * BLAS through netlib (OpenBLAS where installed) and netlib's pure-Java VectorBLAS, in GFLOP/s.
 */
public final class GemmBench implements BenchSuite {
    /** 1024³ and the two feed-forward GEMMs of a BERT-base block at 512 and at 128 tokens. */
    public static final List<int[]> DEFAULT_SHAPES = shapes(768, 3072, new int[] {512, 128});
    /** Implementation labels of the columns. */
    public static final String FAST = "squall";
    /** The plain kernel, no fast path. */
    public static final String PLAIN = "squall plain";

    /**
     * One shape.
     *
     * @param m      rows of A and C
     * @param n      columns of B and C
     * @param k      columns of A, rows of B
     * @param millis median time per implementation label, in column order
     * @param warmup warm-up runs of each implementation, as {@link Timing.Result#warmupText}
     */
    public record Row(int m, int n, int k, Map<String, Double> millis, String warmup) {
        /** GFLOP/s of implementation {@code label}: {@code 2·M·N·K} per run. */
        public double gflops(String label) {
            return 2.0 * m * n * k / millis.get(label) / 1e6;
        }

        /** {@code M×K·K×N}. */
        public String shape() {
            return m + "×" + k + "·" + k + "×" + n;
        }
    }

    private final List<int[]> shapes;
    private final Timing timing;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /**
     * 1024³, then for each row count {@code M} of {@code rows} the two feed-forward GEMMs of a block of width
     * {@code d} and feed-forward width {@code ff}: {@code M×d·d×ff} and {@code M×ff·ff×d} ({M, N, K} each).
     */
    public static List<int[]> shapes(int d, int ff, int[] rows) {
        List<int[]> shapes = new ArrayList<>();
        shapes.add(new int[] {1024, 1024, 1024});
        for (int m : rows) {
            shapes.add(new int[] {m, ff, d});
            shapes.add(new int[] {m, d, ff});
        }
        return shapes;
    }

    /** A suite over {@code shapes} ({M, N, K} each), timed as {@code timing} says. */
    public GemmBench(List<int[]> shapes, Timing timing) {
        for (int[] s : shapes) {
            if (s.length != 3 || s[0] < 1 || s[1] < 1 || s[2] < 1) {
                throw new IllegalArgumentException("GEMM shapes are M,N,K >= 1");
            }
        }
        this.shapes = List.copyOf(shapes);
        this.timing = timing;
    }

    /** The measured rows, once {@link #run} has run. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The best GFLOP/s of Squall's GEMM over the shapes (its peak in this run), or 0 before {@link #run}. */
    public double peakGflops() {
        return rows.stream().mapToDouble(r -> r.gflops(FAST)).max().orElse(0);
    }

    @Override
    public double work() {
        return shapes.stream().mapToDouble(GemmBench::work).sum();
    }

    /** The plain kernel runs about ten times as long as the others: it weighs as ten. */
    private static double work(int[] s) {
        return 2.0 * s[0] * s[1] * s[2] * (10 + 3);
    }

    @Override
    public void run(Backend backend, Progress progress) {
        rows.clear();
        labels.clear();
        notes.clear();
        int threads = BackendThreads.of(backend);
        BlasPeer system = BlasPeer.system();
        BlasPeer java = BlasPeer.java();
        labels.add(FAST);
        labels.add(PLAIN);
        labels.add(system.name());
        notes.add(FAST + ": a linear layer's GEMM (Gemm.tiledMatmul, Gemm.panelMatmul below " + Linear.PANEL_ROWS
                + " rows) on " + backend.description() + "; B is its weight, transferred once, so the fast path packs"
                + " it once per plan");
        notes.add(PLAIN + ": the same kernel without fast paths, " + threads + " threads");
        notes.add(system.name() + ": " + system.describe());
        system.environmentWarning().ifPresent(notes::add);
        if (!java.implementation().equals(system.implementation())) {
            labels.add(java.name());
            notes.add(java.name() + ": " + java.describe());
        }
        try (JvmBackend plain = new JvmBackend(threads, FastPaths.none())) {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                SplittableRandom rnd = new SplittableRandom(31L * m + n + k);
                float[] a = Inputs.gaussian(rnd, m * k, 1);
                float[] b = Inputs.gaussian(rnd, k * n, 1);
                float[] c = new float[m * n];
                ExecutionPlan fast = backend.plan(graph(a, b, c, m, n, k));
                ExecutionPlan slow = plain.plan(graph(a, b, c, m, n, k));
                List<Runnable> runs = new ArrayList<>(List.of(fast::execute, slow::execute,
                        () -> system.sgemm(m, n, k, a, b, c)));
                if (labels.size() > 3) {
                    runs.add(() -> java.sgemm(m, n, k, a, b, c));
                }
                String shape = m + "×" + k + "·" + k + "×" + n;
                progress.begin("gemm " + shape, work(s));
                // Interleaved rounds: on a shared machine a slow spell hits Squall and its peers alike.
                Timing.Result t = timing.interleaved(runs, r -> "gemm " + shape + " " + labels.get(r), progress);
                Map<String, Double> ms = new LinkedHashMap<>();
                for (int r = 0; r < runs.size(); r++) {
                    ms.put(labels.get(r), t.medians()[r]);
                }
                Row row = new Row(m, n, k, ms, t.warmupText(timing));
                rows.add(row);
                progress.done("gemm " + shape + ": " + String.join(", ", labels.stream()
                        .map(l -> l + " " + f("%.1f", row.gflops(l)) + " GFLOP/s").toList()) + " (warm-up " + row.warmup()
                        + " runs)");
            }
        }
    }

    @Override
    public String text() {
        return "gemm: C[M,N] = A[M,K]·B[K,N], fp32, GFLOP/s\n" + table().text() + String.join("\n", notes) + "\n"
                + timing.describe() + " Warm-up = runs per implementation, in column order.\n";
    }

    @Override
    public void addTo(Report report) {
        Chart chart = Chart.bars("GEMM GFLOP/s: Squall vs BLAS peers", "shape (M×K·K×N)", "GFLOP/s",
                rows.stream().map(Row::shape).toList());
        for (String label : labels) {
            chart.series(label, null, rows.stream().mapToDouble(r -> r.gflops(label)).toArray());
        }
        report.section("GEMM: Squall vs OpenBLAS and VectorBLAS")
                .text(String.format(Locale.ROOT, "fp32 C = A·B, row-major. %s Warm-up = runs per implementation, in "
                        + "column order. %s", timing.describe(), String.join("; ", notes) + "."))
                .table(table())
                .chart(chart);
    }

    private Table table() {
        String peer = labels.get(2);
        List<String> header = new ArrayList<>(List.of("shape"));
        labels.forEach(l -> header.add(l + " GFLOP/s"));
        header.add(FAST + " / " + peer);
        if (labels.size() > 3) {
            header.add(FAST + " / " + labels.get(3));
        }
        header.add("warm-up");
        Table.Builder t = Table.of(header.toArray(String[]::new));
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.shape()));
            labels.forEach(l -> cells.add(f("%.1f", r.gflops(l))));
            cells.add(f("%.0f%%", 100 * r.gflops(FAST) / r.gflops(peer)));
            if (labels.size() > 3) {
                cells.add(f("%.2fx", r.gflops(FAST) / r.gflops(labels.get(3))));
            }
            cells.add(r.warmup());
            t.row(cells.toArray(String[]::new));
        }
        return t.build();
    }

    /** {@code C = A·B} as a linear layer without bias runs it, B ({@code [K, N]}) being the layer's weight. */
    private static TaskGraph graph(float[] a, float[] b, float[] c, int m, int n, int k) {
        Linear layer = new Linear(b, new float[n], k, n);
        TaskGraph g = new TaskGraph("gemm").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, layer.weightArrays().toArray());
        layer.addTo(g, "gemm", a, c, m, false, Activations.IDENTITY);
        return g.transferToHost(DataTransferMode.EVERY_EXECUTION, c);
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
