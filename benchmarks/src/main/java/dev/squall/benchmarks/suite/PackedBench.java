package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.GemmTilesPreference;
import dev.squall.engine.layers.PaddedBatch;
import dev.squall.engine.layers.PaddedBlock;
import dev.squall.benchmarks.report.Chart;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Padding removal on a batch of sequences of skewed lengths ({@link SkewedLengths}), padded to the longest:
 * the encoder block run padded (every row, padding keys masked), packed (padding removed) and packed +
 * fused, plus padded + fused, side by side on one backend: median time, peak working set, and whether
 * each output equals the padded one of the same variant bit for bit. Input and output are the padded
 * {@code [batch, maxLen, d]} arrays in every mode, so the packed times include the unpad and pad copies.
 */
public final class PackedBench implements BenchSuite {

    /**
     * How the block runs.
     *
     * @param name    short name: padded, padded+fused, packed, packed+fused
     * @param mode    padding computed or removed
     * @param variant kernels
     */
    public record Setup(String name, PaddedBlock.Mode mode, EncoderBlock.Variant variant) {
    }

    /** The four setups; the first is the baseline of the speed-ups. */
    public static final List<Setup> SETUPS = List.of(
            new Setup("padded", PaddedBlock.Mode.PADDED, EncoderBlock.Variant.UNFUSED),
            new Setup("packed", PaddedBlock.Mode.PACKED, EncoderBlock.Variant.UNFUSED),
            new Setup("packed+fused", PaddedBlock.Mode.PACKED, EncoderBlock.Variant.FUSED),
            new Setup("padded+fused", PaddedBlock.Mode.PADDED, EncoderBlock.Variant.FUSED));

    /**
     * One measured setup on one batch.
     *
     * @param lengths   the batch's sequence lengths
     * @param batch     the padded batch
     * @param setup     how it ran
     * @param millis    median time
     * @param cpuMillis median CPU time of the process during a run (NaN where unknown)
     * @param memory    memory of its graph
     * @param identical whether the output equals the padded setup of the same variant bit for bit (true for
     *                  the padded setups themselves)
     */
    public record Row(SkewedLengths lengths, PaddedBatch batch, Setup setup, double millis, double cpuMillis,
                      GraphMemory memory, boolean identical) {
        /** Rows the block computes: padded rows, or real tokens only. */
        public int rowsRun() {
            return setup.mode() == PaddedBlock.Mode.PADDED ? batch.rows() : batch.tokens();
        }
    }

    private final BlockConfig config;
    private final int batchSize;
    private final List<SkewedLengths> distributions;
    private final Timing timing;
    private final List<Row> rows = new ArrayList<>();

    /** A suite over one batch of {@code batchSize} sequences per length distribution. */
    public PackedBench(BlockConfig config, int batchSize, List<SkewedLengths> distributions, Timing timing) {
        if (batchSize < 1 || distributions.isEmpty()) {
            throw new IllegalArgumentException("need a batch of >= 1 sequences and at least one length distribution");
        }
        this.config = config;
        this.batchSize = batchSize;
        this.distributions = List.copyOf(distributions);
        this.timing = timing;
    }

    /** The measured rows, once {@link #run} has run: for each distribution, one per setup in {@link #SETUPS} order. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    @Override
    public double work() {
        return distributions.stream().mapToDouble(this::work).sum();
    }

    /** Every setup on a batch of the distribution's mean length. */
    private double work(SkewedLengths dist) {
        int mean = (int) Math.max(1, Math.round(dist.meanFraction() * dist.maxLen()));
        return SETUPS.size() * BlockBench.flops(config, batchSize, mean);
    }

    @Override
    public void run(Backend backend, Progress progress) {
        PaddedBlock block = new PaddedBlock(EncoderBlock.of(config, BlockWeights.random(config.dModel(),
                config.ffDim(), 42), GemmTilesPreference.of(backend)));
        rows.clear();
        for (SkewedLengths dist : distributions) {
            int[] lengths = dist.draw(batchSize);
            PaddedBatch batch = PaddedBatch.ofLengths(Arrays.stream(lengths).max().orElseThrow(), lengths);
            float[] x = input(batch, config.dModel());
            progress.begin("packed-bench mean " + dist.meanPercent(), work(dist));
            float[][] paddedOutput = new float[EncoderBlock.Variant.values().length][];
            Row[] measured = new Row[SETUPS.size()];
            // Padded setups first: the packed ones are compared with their outputs.
            for (Setup s : SETUPS.stream().sorted(Comparator.comparing(Setup::mode)).toList()) {
                Measured m = measure(backend, block.build(s.mode(), s.variant(), batch), x,
                        "packed-bench mean " + dist.meanPercent() + " " + s.name(), progress);
                if (s.mode() == PaddedBlock.Mode.PADDED) {
                    paddedOutput[s.variant().ordinal()] = m.output();
                }
                measured[SETUPS.indexOf(s)] = new Row(dist, batch, s, m.millis(), m.cpuMillis(), m.memory(),
                        Arrays.equals(paddedOutput[s.variant().ordinal()], m.output()));
            }
            rows.addAll(List.of(measured));
            progress.done("packed-bench mean " + dist.meanPercent() + ": " + String.join(", ", Arrays.stream(measured)
                    .map(r -> String.format(Locale.ROOT, "%s %.1f ms", r.setup().name(), r.millis())).toList()));
        }
    }

    private record Measured(double millis, double cpuMillis, GraphMemory memory, float[] output) {
    }

    /** Median wall and CPU time of {@code bg} on input {@code x}, its memory and (a copy of) its output. */
    private Measured measure(Backend backend, BlockGraph bg, float[] x, String label, Progress progress) {
        System.arraycopy(x, 0, bg.input(), 0, x.length);
        ExecutionPlan plan = backend.plan(bg.graph());
        List<Double> cpu = new ArrayList<>();
        double ms = timing.medianMillis(() -> {
            long start = CpuTime.nanos();
            plan.execute();
            cpu.add(start < 0 ? Double.NaN : (CpuTime.nanos() - start) / 1e6);
        }, label, progress);
        // the timed runs are the last ones, after however many warm-up runs it took
        double[] timed = cpu.subList(cpu.size() - timing.repetitions(), cpu.size()).stream()
                .mapToDouble(Double::doubleValue).toArray();
        return new Measured(ms, Timing.median(timed), bg.memory(), bg.output().clone());
    }

    @Override
    public String text() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "padding removal: d=%d heads=%d ff=%d, %d sequences, %s%n", config.dModel(), config.heads(),
                config.ffDim(), batchSize, config.causal() ? "causal" : "not causal"));
        for (SkewedLengths dist : distributions) {
            sb.append(dist.describe()).append(": ").append(batchSummary(batchOf(dist))).append('\n');
        }
        return sb.append(table().text())
                .append("vs padded = time of 'padded' / time; cpu = CPU time of the process (all threads), less "
                        + "sensitive to other load than wall time; peak = activations live at once; = padded: output "
                        + "bit-identical to the padded run of the same variant\n").toString();
    }

    @Override
    public void addTo(Report report) {
        Report.Section s = report.section("Padding removal: padded vs packed vs packed + fused")
                .text(String.format(Locale.ROOT, "Encoder block d=%d, %d heads, ff=%d (%s, %s), batch of %d "
                                + "sequences padded to the longest, input and output `[batch, maxLen, d]` in every mode "
                                + "(packed times include unpad and pad). %s CPU time is the "
                                + "process's, all threads, less sensitive than wall time to other load on the machine. "
                                + "Peak working set = activation bytes live at once. \"= padded\": output bit-identical "
                                + "to the padded run of the same variant.", config.dModel(), config.heads(),
                        config.ffDim(), config.activation().name().toLowerCase(Locale.ROOT),
                        (config.normFirst() ? "pre-LN" : "post-LN") + (config.causal() ? ", causal" : ""), batchSize,
                        timing.describe()));
        for (SkewedLengths dist : distributions) {
            s.text(dist.describe() + ": " + batchSummary(batchOf(dist)) + ".");
        }
        s.table(table());
        Chart lengthsChart = Chart.linear("Sequence lengths of the batch (sorted)", "sequence", "tokens");
        for (SkewedLengths dist : distributions) {
            int[] sorted = batchOf(dist).seqs().lengths();
            Arrays.sort(sorted);
            lengthsChart.series("mean " + dist.meanPercent(), indices(sorted.length),
                    Arrays.stream(sorted).asDoubleStream().toArray());
        }
        Chart time = Chart.linear("Block time vs target mean length", "target mean length (% of max)", "ms");
        Chart cpu = Chart.linear("Block CPU time vs target mean length", "target mean length (% of max)", "CPU ms");
        Chart memory = Chart.linear("Block peak working set vs target mean length", "target mean length (% of max)",
                "MiB");
        for (Setup setup : SETUPS) {
            List<Row> of = rows.stream().filter(r -> r.setup().equals(setup)).toList();
            double[] x = of.stream().mapToDouble(r -> 100 * r.lengths().meanFraction()).toArray();
            time.series(setup.name(), x, of.stream().mapToDouble(Row::millis).toArray());
            cpu.series(setup.name(), x, of.stream().mapToDouble(Row::cpuMillis).toArray());
            memory.series(setup.name(), x, of.stream().mapToDouble(r -> r.memory().peakLiveBytes() / 1048576.0).toArray());
        }
        s.chart(lengthsChart).chart(time).chart(cpu).chart(memory);
    }

    private Table table() {
        Table.Builder t = Table.of("mean", "setup", "rows run", "ms", "vs padded", "cpu ms", "cpu vs padded",
                "peak MiB", "= padded");
        Row baseline = null;
        for (Row r : rows) {
            if (r.setup().equals(SETUPS.get(0))) {
                baseline = r;
            }
            t.row(r.lengths().meanPercent(), r.setup().name(), Integer.toString(r.rowsRun()),
                    f("%.1f", r.millis()), f("%.2fx", baseline.millis() / r.millis()), f("%.1f", r.cpuMillis()),
                    f("%.2fx", baseline.cpuMillis() / r.cpuMillis()), f("%.1f", r.memory().peakLiveBytes() / 1048576.0),
                    r.setup().mode() == PaddedBlock.Mode.PADDED ? "(reference)"
                            : r.identical() ? "bit-identical" : "DIFFERS");
        }
        return t.build();
    }

    private PaddedBatch batchOf(SkewedLengths dist) {
        return rows.stream().filter(r -> r.lengths() == dist).findFirst().map(Row::batch)
                .orElseGet(() -> {
                    int[] lengths = dist.draw(batchSize);
                    return PaddedBatch.ofLengths(Arrays.stream(lengths).max().orElseThrow(), lengths);
                });
    }

    private static String batchSummary(PaddedBatch batch) {
        int[] sorted = batch.seqs().lengths();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "lengths min %d, median %d, mean %.1f, max %d; %d tokens in %d padded rows "
                        + "(%.0f%% padding)", sorted[0], sorted[sorted.length / 2], batch.tokens() / (double) sorted.length,
                sorted[sorted.length - 1], batch.tokens(), batch.rows(), 100.0 * (batch.rows() - batch.tokens()) / batch.rows());
    }

    /** Random real rows, zero padding rows. */
    private static float[] input(PaddedBatch batch, int d) {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] x = new float[batch.rows() * d];
        for (int b = 0; b < batch.batch(); b++) {
            for (int i = b * batch.maxLen() * d; i < (b * batch.maxLen() + batch.seqs().length(b)) * d; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
        }
        return x;
    }

    private static double[] indices(int n) {
        double[] x = new double[n];
        Arrays.setAll(x, i -> i + 1);
        return x;
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
