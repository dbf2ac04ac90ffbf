package dev.squall.benchmarks.suite;

import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How close the fused block gets to the machine's GEMM speed: its GFLOP/s at each sequence length as a
 * fraction of the best GEMM GFLOP/s measured in the same run, when both suites ran.
 */
public final class PeakFraction {
    private final Table table;
    private final double peak;

    private PeakFraction(Table table, double peak) {
        this.table = table;
        this.peak = peak;
    }

    /** The comparison, if {@code suites} holds a run {@link GemmBench} and a run {@link BlockBench}. */
    public static Optional<PeakFraction> of(List<BenchSuite> suites) {
        Optional<GemmBench> gemm = suites.stream().filter(GemmBench.class::isInstance).map(GemmBench.class::cast)
                .filter(g -> !g.rows().isEmpty()).findFirst();
        Optional<BlockBench> block = suites.stream().filter(BlockBench.class::isInstance).map(BlockBench.class::cast)
                .filter(b -> !b.rows().isEmpty()).findFirst();
        if (gemm.isEmpty() || block.isEmpty()) {
            return Optional.empty();
        }
        double peak = gemm.get().peakGflops();
        Table.Builder t = Table.of("N", "fused block GFLOP/s", "GEMM peak GFLOP/s", "fraction of peak");
        for (BlockBench.Row r : block.get().rows()) {
            double gflops = r.flops() / r.fusedMillis() / 1e6;
            t.row(Integer.toString(r.n()), f("%.1f", gflops), f("%.1f", peak), f("%.0f%%", 100 * gflops / peak));
        }
        return Optional.of(new PeakFraction(t.build(), peak));
    }

    /** Fixed-width text for the terminal. */
    public String text() {
        return "block vs GEMM peak (" + f("%.1f", peak) + " GFLOP/s, best of Squall's GEMM in this run):\n" + table.text();
    }

    /** Adds a section to {@code report}. */
    public void addTo(Report report) {
        report.section("Fused block vs GEMM peak")
                .text("The fused block's GFLOP/s (projections, attention products and feed-forward counted as 2 "
                        + "FLOPs per multiply-add) over the best GEMM GFLOP/s Squall reached in the same run.")
                .table(table);
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
