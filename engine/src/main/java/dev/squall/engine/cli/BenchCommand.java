package dev.squall.engine.cli;

import dev.squall.engine.bench.BenchSuite;
import dev.squall.engine.bench.BlockBench;
import dev.squall.engine.bench.Timing;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code squall bench}: side-by-side measurements, printed and optionally written as a report. */
@Command(name = "bench", description = {"Benchmark side by side: by default the fused and unfused transformer block",
        "(median time, speed-up, peak working set, max difference per sequence length)."})
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
    @Option(names = "--report", paramLabel = "DIR", description = "Also write DIR/report.md with PNG charts.")
    Path report;
    @Mixin
    AttentionBenchOptions attention;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() throws IOException {
        Timing timing = new Timing(warmup, reps);
        List<BenchSuite> suites = new ArrayList<>();
        if (attention.enabled) {
            suites.add(attention.suite(d, heads, causal, timing));
        } else {
            suites.add(new BlockBench(new BlockConfig(d, heads, ff, normFirst, BlockConfig.Activation.GELU, causal, 1e-5f),
                    batch, lengths, timing));
        }
        try (Backend backend = run.backend()) {
            String machine = MachineInfo.describe();
            System.out.println(machine);
            System.out.println("backend:   " + backend.description());
            Report r = new Report("Squall benchmark report", List.of(machine, "backend: " + backend.description()));
            for (BenchSuite suite : suites) {
                suite.run(backend, line -> System.err.println("bench: " + line));
                System.out.println(suite.text());
                suite.addTo(r);
            }
            if (report != null) {
                System.out.println("report:    " + r.writeTo(report));
            }
        }
        return 0;
    }
}
