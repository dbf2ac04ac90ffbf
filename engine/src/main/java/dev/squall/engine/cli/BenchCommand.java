package dev.squall.engine.cli;

import dev.squall.engine.bench.BlockBench;
import dev.squall.engine.bench.OffloadBench;
import dev.squall.engine.bench.Timing;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.layers.BlockConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code squall bench}: the fused and unfused encoder block side by side at realistic shapes. */
@Command(name = "bench", description = {"Benchmark the fused and unfused transformer block side by side:",
        "median time, speed-up, peak working set and max difference per sequence length.",
        "With --offload, or on a device backend (--backend tornado), each block also runs split into one graph",
        "per task, chained on the device or with host round trips, to show the transfers fusion avoids."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--d", defaultValue = "768", description = "Model width (default: ${DEFAULT-VALUE}).")
    int d;
    @Option(names = "--heads", defaultValue = "12", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;
    @Option(names = "--ff", defaultValue = "3072", description = "Feed-forward width (default: ${DEFAULT-VALUE}).")
    int ff;
    @Option(names = "--n", split = ",", defaultValue = "128,512,1024,2048,4096",
            description = "Sequence lengths (default: ${DEFAULT-VALUE}).")
    int[] lengths;
    @Option(names = "--batch", defaultValue = "1", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--causal", description = "Causal self-attention.")
    boolean causal;
    @Option(names = "--norm-first", description = "Pre-LN block.")
    boolean normFirst;
    @Option(names = "--warmup", defaultValue = "1", description = "Untimed runs per graph (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--reps", defaultValue = "3", description = "Timed runs per graph; the median is shown (default: ${DEFAULT-VALUE}).")
    int reps;
    @Option(names = "--offload", description = "Compare one graph with graphs split per task (on by default on device backends).")
    boolean offload;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        for (int n : lengths) {
            if (n < 1) {
                throw new IllegalArgumentException("--n lengths must be >= 1, got " + n);
            }
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        BlockConfig config = new BlockConfig(d, heads, ff, normFirst, BlockConfig.Activation.GELU, causal, 1e-5f);
        Timing timing = new Timing(warmup, reps);
        try (Backend backend = run.backend()) {
            System.out.println(MachineInfo.describe());
            System.out.printf(Locale.ROOT, "block:     d=%d heads=%d ff=%d batch=%d %s%s, backend %s, median of %d after %d warm-up%n",
                    d, heads, ff, batch, normFirst ? "pre-LN" : "post-LN", causal ? " causal" : "",
                    backend.description(), reps, warmup);
            if (offload || !run.jvm()) {
                for (int n : lengths) {
                    System.out.printf(Locale.ROOT, "N=%d%n%s%n", n, OffloadBench.table(OffloadBench.run(backend, config,
                            batch, n, timing, line -> System.err.println("bench: " + line))));
                }
                return 0;
            }
            List<BlockBench.Row> rows = BlockBench.run(backend, config, batch, lengths, timing,
                    line -> System.err.println("bench: " + line));
            System.out.println(table(rows));
        }
        return 0;
    }

    static String table(List<BlockBench.Row> rows) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%7s %12s %10s %9s %9s %16s %14s %12s%n", "N", "unfused ms", "fused ms", "speed-up", "GFLOP/s",
                "unfused peak MiB", "fused peak MiB", "max |diff|"));
        for (BlockBench.Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%7d %12.1f %10.1f %8.2fx %9.1f %16.1f %14.1f %12.2e%n", r.n(),
                    r.unfusedMillis(), r.fusedMillis(), r.speedup(), r.flops() / r.fusedMillis() / 1e6,
                    mib(r.unfused().peakLiveBytes()), mib(r.fused().peakLiveBytes()), r.maxAbsDiff()));
        }
        sb.append("peak = activations live at once (weights excluded: ")
                .append(String.format(Locale.ROOT, "%.1f MiB", rows.isEmpty() ? 0 : mib(rows.get(0).fused().weightBytes())))
                .append("); GFLOP/s of the fused graph");
        return sb.toString();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
