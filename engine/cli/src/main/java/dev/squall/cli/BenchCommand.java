package dev.squall.cli;

import dev.squall.benchmarks.peer.BlockPeer;
import dev.squall.benchmarks.peer.OnnxExport;
import dev.squall.benchmarks.peer.OnnxRuntimePeer;
import dev.squall.benchmarks.suite.AttentionBench;
import dev.squall.benchmarks.suite.BenchSuite;
import dev.squall.benchmarks.suite.BlockBench;
import dev.squall.benchmarks.suite.GemmBench;
import dev.squall.benchmarks.suite.OffloadBench;
import dev.squall.benchmarks.suite.PeakFraction;
import dev.squall.benchmarks.suite.PipelineBench;
import dev.squall.benchmarks.suite.ProfilingBackend;
import dev.squall.benchmarks.suite.Timing;
import dev.squall.benchmarks.suite.TrainBench;
import dev.squall.benchmarks.suite.TrainMemoryBench;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.benchmarks.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code squall bench}: side-by-side measurements, printed and optionally written as a report. */
@Command(name = "bench", description = {"Side-by-side benchmarks (default: fused vs unfused block).",
        "By default the fused and unfused transformer block: median time, speed-up, peak working set and max "
                + "difference per sequence length. --suite adds attention alone (fused vs unfused) and GEMM against "
                + "OpenBLAS/VectorBLAS; --peer onnxruntime times ONNX Runtime on the same block in the same rounds. "
                + "With --offload, or on a device backend (--backend tornado), each block also runs split into one "
                + "graph per task, chained on the device or with host round trips, to show the transfers fusion "
                + "avoids."})
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
    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs per graph first, at least (default: "
            + "${DEFAULT-VALUE}); more until the fastest run stops improving by over 5 %% in 5 runs, up to --warmup-max "
            + "runs or 30 s.")
    int warmup;
    @Option(names = "--warmup-max", defaultValue = "30", description = "At most this many warm-up runs per graph "
            + "(default: ${DEFAULT-VALUE}); equal to --warmup for a fixed count.")
    int warmupMax;
    @Option(names = "--reps", defaultValue = "3", description = "Timed runs per graph; the median is shown (default: ${DEFAULT-VALUE}).")
    int reps;
    @Option(names = "--suite", split = ",", defaultValue = "block",
            description = "Suites to run, comma-separated: block, attention, gemm, or all; train, pipeline and "
                    + "train-memory (minutes of training steps, not in all) (default: ${DEFAULT-VALUE}).")
    List<String> suiteNames;
    @Option(names = "--attention-n", split = ",", defaultValue = "512,1024,2048,4096",
            description = "Sequence lengths of the attention suite (default: ${DEFAULT-VALUE}).")
    int[] attentionLengths;
    @Option(names = "--report", paramLabel = "DIR", description = "Also write DIR/report.md with PNG charts.")
    Path report;
    @Option(names = "--peer", split = ",", paramLabel = "PEER", description = "Also time another engine on the same "
            + "block, weights and input, interleaved with Squall's graphs: onnxruntime (ONNX Runtime, the model exported "
            + "from the weights by PyTorch when installed, cached under ~/.cache/squall/onnx; skipped otherwise).")
    List<String> peers;
    @Option(names = "--gemm-m", split = ",", defaultValue = "512,128", paramLabel = "M", description = "Rows of the "
            + "GEMM suite's feed-forward shapes M×d·d×ff and M×ff·ff×d, beside 1024³ (default: ${DEFAULT-VALUE}).")
    int[] gemmRows;
    @Option(names = {"-q", "--quiet"}, description = "No progress on standard error, results only.")
    boolean quiet;
    @Spec
    CommandSpec spec;
    @Option(names = "--offload", description = "Compare one graph with graphs split per task (on by default on device backends).")
    boolean offload;
    @Mixin
    PackedBenchOptions packed;
    @Mixin
    AttentionBenchOptions attention;
    @Mixin
    RunOptions run;
    @Mixin
    QuantBenchOptions quant;

    @Override
    public Integer call() throws IOException {
        if (report != null) { // before the benchmark, not after it
            try {
                AtomicFiles.requireWritableDirectory(report);
            } catch (IOException e) {
                throw new IllegalArgumentException("--report: " + e.getMessage(), e);
            }
        }
        Timing timing = new Timing(warmup, warmupMax, reps);
        BlockConfig block = new BlockConfig(d, heads, ff, normFirst, BlockConfig.Activation.GELU, causal, 1e-5f);
        List<BenchSuite> suites = new ArrayList<>();
        if (attention.enabled) {
            suites.add(attention.suite(d, heads, causal, timing));
        }
        if (packed.enabled) {
            suites.add(packed.suite(block, timing));
        }
        for (String name : quant.enabled || packed.enabled || attention.enabled ? List.<String>of() : suiteNames) {
            boolean all = name.equals("all");
            if (all || name.equals("block")) {
                suites.add(offload || !run.jvm() ? new OffloadBench(block, batch, lengths, timing)
                        : new BlockBench(block, batch, lengths, timing).withPeers(peerFactories()));
            }
            if (all || name.equals("attention")) {
                suites.add(new AttentionBench(heads, d / heads, causal, attentionLengths, timing));
            }
            if (all || name.equals("gemm")) {
                suites.add(new GemmBench(GemmBench.shapes(d, ff, gemmRows), timing));
            }
            if (name.equals("pipeline")) {              // not in "all": minutes of training steps
                suites.add(PipelineBench.defaults());
                suites.add(PipelineBench.gpt());
            }
            if (name.equals("train")) {                 // not in "all": minutes of training steps
                suites.add(new TrainBench(TrainBench.DEFAULT_MODELS, timing));
            }
            if (name.equals("train-memory")) {          // not in "all": issue 18's memory options, a minute
                suites.add(new TrainMemoryBench(timing));
            }
            if (!all && !List.of("block", "attention", "gemm", "train", "pipeline", "train-memory").contains(name)) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--suite: unknown suite '" + name + "' (block, attention, gemm, train, pipeline, train-memory, all)");
            }
        }
        if (quant.enabled) {
            suites.add(quant.suite(block, timing));
        }
        SuiteOptions.check(spec.commandLine(), suites);
        try (Backend backend = run.profile ? new ProfilingBackend(run.backend()) : run.backend()) {
            String machine = MachineInfo.describe();
            System.out.println(machine);
            System.out.println("backend:   " + backend.description());
            Report r = new Report("Squall benchmark report", List.of(machine, "backend: " + backend.description()));
            try (BenchOutput out = BenchOutput.open(quiet, suites.stream().mapToDouble(BenchSuite::work).sum())) {
                for (BenchSuite suite : suites) {
                    suite.run(backend, out);
                    out.results(suite.text());
                    suite.addTo(r);
                }
            }
            PeakFraction.of(suites).ifPresent(p -> {
                System.out.println(p.text());
                p.addTo(r);
            });
            if (report != null) {
                System.out.println("report:    " + r.writeTo(report));
            }
            if (backend instanceof ProfilingBackend profiled) {
                profiled.lastProfiles().forEach(p -> System.err.print(p.table()));
            }
        }
        return 0;
    }

    /** The peers of {@code --peer}, by name. */
    private Map<String, BlockPeer.Factory> peerFactories() {
        Map<String, BlockPeer.Factory> factories = new LinkedHashMap<>();
        for (String name : peers == null ? List.<String>of() : peers) {
            if (!name.equals(OnnxRuntimePeer.NAME)) {
                throw new IllegalArgumentException("--peer: unknown peer '" + name + "' (" + OnnxRuntimePeer.NAME + ")");
            }
            factories.put(name, OnnxRuntimePeer.factory(OnnxExport.fromEnvironment()));
        }
        return factories;
    }
}
