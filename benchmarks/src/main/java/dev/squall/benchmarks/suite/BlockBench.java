package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.benchmarks.peer.BlockPeer;
import dev.squall.benchmarks.peer.PeerUnavailableException;
import dev.squall.benchmarks.report.Chart;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fused versus unfused encoder block at several sequence lengths, measured side by side on one backend:
 * median time, peak working set of each graph, and the largest difference between their outputs. Peers
 * (other engines, e.g. ONNX Runtime) run the same block with the same weights and input in the same
 * interleaved rounds; their outputs are compared with the fused graph's.
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
     * @param peers         the peers that ran at this length
     * @param warmup        warm-up runs of each contender (unfused, fused, peers), as {@link Timing.Result#warmupText}
     */
    public record Row(int n, double unfusedMillis, double fusedMillis, GraphMemory unfused, GraphMemory fused,
                      double maxAbsDiff, double flops, List<PeerResult> peers, String warmup) {
        /** Unfused time over fused time. */
        public double speedup() {
            return unfusedMillis / fusedMillis;
        }

        /** The result of peer {@code name}, or null when it did not run at this length. */
        public PeerResult peer(String name) {
            return peers.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * A peer's measurement at one length.
     *
     * @param name       the peer
     * @param millis     median time
     * @param maxAbsDiff largest |peer − fused| over the outputs
     */
    public record PeerResult(String name, double millis, double maxAbsDiff) {
    }

    /** A peer's output further than this from Squall's (post- or pre-LN outputs are of order 1) is flagged. */
    static final double PEER_TOLERANCE = 1e-3;

    private final BlockConfig config;
    private final int batch;
    private final int[] lengths;
    private final Timing timing;
    private final Map<String, BlockPeer.Factory> peerFactories = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> peerNotes = new ArrayList<>();

    /** A suite over {@code lengths} for {@code batch} sequences of a block shaped by {@code config}. */
    public BlockBench(BlockConfig config, int batch, int[] lengths, Timing timing) {
        checkShape(batch, lengths);
        this.config = config;
        this.batch = batch;
        this.lengths = lengths.clone();
        this.timing = timing;
    }

    /**
     * Adds peers, by name, to be opened when the suite runs; one that cannot run here is skipped with a
     * notice. Returns this suite.
     */
    public BlockBench withPeers(Map<String, BlockPeer.Factory> peers) {
        peerFactories.putAll(peers);
        return this;
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
    public double work() {
        return java.util.Arrays.stream(lengths).mapToDouble(this::work).sum();
    }

    private double work(int n) {
        return flops(config, batch, n) * (2 + peerFactories.size());
    }

    @Override
    public void run(Backend backend, Progress progress) {
        BlockWeights weights = BlockWeights.random(config.dModel(), config.ffDim(), 42);
        EncoderBlock block = EncoderBlock.of(config, weights, GemmTilesPreference.of(backend));
        rows.clear();
        peerNotes.clear();
        List<BlockPeer> peers = openPeers(weights, BackendThreads.of(backend), progress);
        try {
            for (int n : lengths) {
                progress.begin("block N=" + n, work(n));
                rows.add(measure(backend, block, peers, n, progress));
                progress.done(summary(rows.get(rows.size() - 1)));
            }
        } finally {
            peers.forEach(BlockPeer::close);
        }
    }

    private List<BlockPeer> openPeers(BlockWeights weights, int threads, Progress progress) {
        List<BlockPeer> peers = new ArrayList<>();
        for (Map.Entry<String, BlockPeer.Factory> f : peerFactories.entrySet()) {
            progress.step(f.getKey() + ": opening");
            try {
                BlockPeer peer = f.getValue().open(config, weights, threads);
                peers.add(peer);
                peerNotes.add(peer.name() + ": " + peer.describe());
            } catch (PeerUnavailableException e) {
                peerNotes.add(f.getKey() + ": skipped, " + e.getMessage());
                progress.notice(f.getKey() + ": skipped, " + e.getMessage());
            }
        }
        return peers;
    }

    /** Times the unfused and fused graphs and the peers on one input of {@code n} tokens per sequence. */
    private Row measure(Backend backend, EncoderBlock block, List<BlockPeer> peers, int n, Progress progress) {
        float[] x = Inputs.gaussian(batch * n * config.dModel(), n);
        BlockGraph unfused = prepared(block, EncoderBlock.Variant.UNFUSED, x, n);
        BlockGraph fused = prepared(block, EncoderBlock.Variant.FUSED, x, n);
        ExecutionPlan unfusedPlan = backend.plan(unfused.graph());
        ExecutionPlan fusedPlan = backend.plan(fused.graph());
        List<String> names = new ArrayList<>(List.of("unfused", "fused"));
        List<Runnable> runs = new ArrayList<>(List.of(unfusedPlan::execute, fusedPlan::execute));
        List<BlockPeer.Run> peerRuns = new ArrayList<>();
        try {
            for (BlockPeer peer : peers) {
                try {
                    BlockPeer.Run run = peer.prepare(x, batch, n);
                    peerRuns.add(run);
                    names.add(peer.name());
                    runs.add(run);
                } catch (PeerUnavailableException e) {
                    progress.notice(peer.name() + " N=" + n + ": skipped, " + e.getMessage());
                }
            }
            Timing.Result t = timing.interleaved(runs, r -> "block N=" + n + " " + names.get(r), progress);
            double[] ms = t.medians();
            List<PeerResult> peerResults = new ArrayList<>();
            for (int p = 0; p < peerRuns.size(); p++) {
                double diff = maxAbsDiff(fused.output(), peerRuns.get(p).output());
                peerResults.add(new PeerResult(names.get(2 + p), ms[2 + p], diff));
                if (!(diff <= PEER_TOLERANCE)) {
                    progress.notice(String.format(Locale.ROOT, "%s N=%d: output differs from Squall's by up to %.2e "
                            + "(not the same block?)", names.get(2 + p), n, diff));
                }
            }
            return new Row(n, ms[0], ms[1], unfused.memory(), fused.memory(),
                    maxAbsDiff(unfused.output(), fused.output()), flops(config, batch, n), peerResults,
                    t.warmupText(timing));
        } finally {
            peerRuns.forEach(BlockPeer.Run::close);
        }
    }

    private static String summary(Row r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "block N=%d: unfused %.1f ms, fused %.1f ms",
                r.n(), r.unfusedMillis(), r.fusedMillis()));
        r.peers().forEach(p -> sb.append(String.format(Locale.ROOT, ", %s %.1f ms", p.name(), p.millis())));
        return sb.append(" (warm-up ").append(r.warmup()).append(" runs)").toString();
    }

    @Override
    public String text() {
        return String.format(Locale.ROOT, "block: d=%d heads=%d ff=%d batch=%d %s%s%n", config.dModel(), config.heads(),
                config.ffDim(), batch, config.normFirst() ? "pre-LN" : "post-LN", config.causal() ? " causal" : "")
                + table().text()
                + "peak = activations live at once, weights excluded (" + mib(weightBytes()) + " MiB); "
                + "GFLOP/s of the fused graph; " + peerColumns() + "warm-up = runs per contender (unfused/fused"
                + peerNames().stream().map(p -> "/" + p).reduce("", String::concat) + ")\n"
                + timing.describe() + "\n"
                + peerNotes.stream().map(l -> l + "\n").reduce("", String::concat);
    }

    @Override
    public void addTo(Report report) {
        double[] n = rows.stream().mapToDouble(Row::n).toArray();
        report.section("Transformer block: fused vs unfused")
                .text(String.format(Locale.ROOT, "d=%d, %d heads, ff=%d, batch %d, %s%s. %s Peak working set = "
                                + "activation bytes live at once (weights, %s MiB, excluded). %sWarm-up = runs per "
                                + "contender (unfused/fused%s).%s",
                        config.dModel(), config.heads(), config.ffDim(), batch,
                        config.normFirst() ? "pre-LN" : "post-LN", config.causal() ? ", causal" : "",
                        timing.describe(), mib(weightBytes()), peerColumns(),
                        peerNames().stream().map(p -> "/" + p).reduce("", String::concat),
                        peerNotes.stream().map(l -> " " + l + ".").reduce("", String::concat)))
                .table(table())
                .chart(withPeers(Chart.logLog("Block time vs sequence length", "N (tokens)", "ms")
                        .series("unfused", n, rows.stream().mapToDouble(Row::unfusedMillis).toArray())
                        .series("fused", n, rows.stream().mapToDouble(Row::fusedMillis).toArray())))
                .chart(Chart.logLog("Block peak working set vs sequence length", "N (tokens)", "MiB")
                        .series("unfused", n, rows.stream().mapToDouble(r -> r.unfused().peakLiveBytes() / 1048576.0).toArray())
                        .series("fused", n, rows.stream().mapToDouble(r -> r.fused().peakLiveBytes() / 1048576.0).toArray()));
    }

    private Table table() {
        List<String> peers = peerNames();
        List<String> header = new ArrayList<>(List.of("N", "unfused ms", "fused ms", "speed-up"));
        peers.forEach(p -> header.addAll(List.of(p + " ms", "fused vs " + p)));
        header.addAll(List.of("fused GFLOP/s", "unfused peak MiB", "fused peak MiB", "max |diff|"));
        peers.forEach(p -> header.add(p + " max |diff|"));
        header.add("warm-up");
        Table.Builder t = Table.of(header.toArray(String[]::new));
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(Integer.toString(r.n()), f("%.1f", r.unfusedMillis()),
                    f("%.1f", r.fusedMillis()), f("%.2fx", r.speedup())));
            for (String p : peers) {
                PeerResult pr = r.peer(p);
                cells.add(pr == null ? "-" : f("%.1f", pr.millis()));
                cells.add(pr == null ? "-" : f("%.2fx", pr.millis() / r.fusedMillis()));
            }
            cells.addAll(List.of(f("%.1f", r.flops() / r.fusedMillis() / 1e6), mib(r.unfused().peakLiveBytes()),
                    mib(r.fused().peakLiveBytes()), f("%.2e", r.maxAbsDiff())));
            for (String p : peers) {
                PeerResult pr = r.peer(p);
                cells.add(pr == null ? "-" : f("%.2e", pr.maxAbsDiff()));
            }
            cells.add(r.warmup());
            t.row(cells.toArray(String[]::new));
        }
        return t.build();
    }

    /** The peers that ran at some length, in the order given. */
    private List<String> peerNames() {
        return rows.stream().flatMap(r -> r.peers().stream()).map(PeerResult::name).distinct().toList();
    }

    private String peerColumns() {
        return peerNames().isEmpty() ? "" : "fused vs P = P's time / fused time (above 1: Squall is faster); "
                + "P max |diff| against the fused output; ";
    }

    /** {@code chart} with a series per peer added. */
    private Chart withPeers(Chart chart) {
        for (String p : peerNames()) {
            List<Row> ran = rows.stream().filter(r -> r.peer(p) != null).toList();
            chart.series(p, ran.stream().mapToDouble(Row::n).toArray(),
                    ran.stream().mapToDouble(r -> r.peer(p).millis()).toArray());
        }
        return chart;
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
