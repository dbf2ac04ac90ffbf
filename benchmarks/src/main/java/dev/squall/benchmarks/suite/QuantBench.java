package dev.squall.benchmarks.suite;

import dev.squall.engine.compress.CompressedBlock;
import dev.squall.engine.compress.CompressedLinear;
import dev.squall.engine.compress.RowWeights;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.benchmarks.report.Chart;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;
import dev.squall.tasks.activation.Activations;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Every weight format side by side on one linear layer of {@code size × size} Gaussian weights: bytes, GEMV
 * (decode, one activation row) and GEMM ({@code rows} activation rows, prefill) time and throughput, and the
 * relative error a transformer block's output takes when its four linear layers use the format.
 *
 * <p>GEMV is timed twice: "hot", one weight copy run again and again (a copy of up to ~30 MiB may stay in the
 * last-level cache between runs), and "streamed", rotating over enough copies that at least
 * {@code streamMib} MiB pass per round, so every run reads its weight from memory, as a model with many layers
 * does. Hot GEMV, streamed GEMV and GEMM are timed in interleaved rounds (each round runs every format once: 10
 * hot GEMVs, one pass over the streamed copies, 1 GEMM), so that on a shared machine all formats see the same
 * conditions; the median round is reported. Speed-ups are against {@code fp32-rows}, the fp32 weight in the same layout, loop structure and
 * parallelisation (one task over the output rows); {@code fp32} is the project's default layer (transposed
 * weight; GEMM parallel over bands of 16 activation rows, GEMV over panels of output columns).
 */
public final class QuantBench implements BenchSuite {
    /** The formats measured by default: every format's examples in the weight-format table. */
    public static final List<String> DEFAULT_FORMATS = WeightFormats.examples();
    /** The speed-up baseline. */
    public static final String BASELINE = "fp32-rows";
    /** GEMVs timed together in one round (a single one takes about a millisecond). */
    private static final int GEMV_BATCH = 10;

    /**
     * One format's measurements.
     *
     * @param format       format name
     * @param weightBytes  bytes of the packed weight
     * @param gemvHot      median GEMV milliseconds, one weight copy
     * @param gemvStreamed median GEMV milliseconds, weights streamed from memory (NaN when not measured)
     * @param gemm         median GEMM milliseconds (NaN when not measured)
     * @param blockError   ‖y − y₃₂‖/‖y₃₂‖ of a block's output
     * @param implementation the implementation of the GEMM task ({@code vector} or {@code plain})
     */
    public record Row(String format, long weightBytes, double gemvHot, double gemvStreamed, double gemm,
                      double blockError, String implementation) {
    }

    private final List<String> formats;
    private final int size;
    private final int rows;
    private final int streamMib;
    private final BlockConfig blockConfig;
    private final int blockTokens;
    private final int jitMillis;
    private final Timing timing;
    private final List<Row> results = new ArrayList<>();

    /**
     * A suite over {@code formats} for a {@code size × size} layer, GEMM with {@code rows} activation rows (0:
     * none), streamed GEMV over at least {@code streamMib} MiB (0: none), block error on {@code blockTokens}
     * tokens of a block shaped by {@code blockConfig}; each plan runs untimed for {@code jitMillis} first (Vector
     * API loops are very slow until C2 has compiled them), then {@code timing}'s warm-ups and timed runs.
     */
    public QuantBench(List<String> formats, int size, int rows, int streamMib, BlockConfig blockConfig,
                      int blockTokens, int jitMillis, Timing timing) {
        if (size < 1 || rows < 0 || streamMib < 0 || blockTokens < 1 || jitMillis < 0) {
            throw new IllegalArgumentException("--quant-size and --quant-block-tokens must be >= 1, --quant-rows, "
                    + "--quant-stream-mib and --quant-jit-ms >= 0; got " + size + ", " + blockTokens + ", " + rows
                    + ", " + streamMib + ", " + jitMillis);
        }
        formats.forEach(WeightFormats::parse);
        this.formats = List.copyOf(formats);
        this.size = size;
        this.rows = rows;
        this.streamMib = streamMib;
        this.blockConfig = blockConfig;
        this.blockTokens = blockTokens;
        this.jitMillis = jitMillis;
        this.timing = timing;
    }

    /** The results, once {@link #run} has run. */
    public List<Row> rows() {
        return List.copyOf(results);
    }

    /** Every format weighs the same: the work is counted in formats. */
    @Override
    public double work() {
        return formats.size();
    }

    @Override
    public void run(Backend backend, Progress progress) {
        results.clear();
        SplittableRandom rnd = new SplittableRandom(42);
        RowWeights w = new RowWeights(Inputs.gaussian(rnd, size * size, 1 / Math.sqrt(size)), new float[size], size, size);
        float[] x1 = Inputs.gaussian(rnd, size, 1);
        float[] xm = Inputs.gaussian(rnd, rows * size, 1);
        int n = formats.size();
        List<LinearLayer> layers = new ArrayList<>();
        ExecutionPlan[] gemv = new ExecutionPlan[n];
        ExecutionPlan[] streamed = new ExecutionPlan[n];
        int[] copies = new int[n];
        ExecutionPlan[] gemm = new ExecutionPlan[n];
        List<String> implementations = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            progress.begin(formats.get(f), 1.0 / 2);
            progress.step(formats.get(f) + ": compressing, JIT warm-up");
            LinearLayer layer = WeightFormats.parse(formats.get(f)).compress(List.of(w)).get(0);
            layers.add(layer);
            gemv[f] = warm(plan(backend, List.of(layer), x1, 1));
            if (streamMib > 0) {
                copies[f] = (int) Math.max(2, Math.ceil(streamMib * 1048576.0 / weightBytes(layer)));
                List<LinearLayer> many = new ArrayList<>();
                for (int c = 0; c < copies[f]; c++) {
                    many.add(c == 0 ? layer : layer.slice(0, size));
                }
                streamed[f] = warm(plan(backend, many, x1, 1));
            }
            ExecutionPlan p = rows > 0 ? plan(backend, List.of(layer), xm, rows) : null;
            implementations.add(p == null ? "-" : implementation(p.execute()));
            gemm[f] = p == null ? null : warm(p);
        }
        // interleaved rounds: every format sees the same machine state, which matters on a shared machine
        List<Runnable> runs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int[][] index = new int[n][3];
        for (int f = 0; f < n; f++) {
            ExecutionPlan[] plans = {gemv[f], streamed[f], gemm[f]};
            String[] what = {"GEMV", "streamed GEMV", "GEMM"};
            for (int kind = 0; kind < 3; kind++) {
                index[f][kind] = plans[kind] == null ? -1 : runs.size();
                if (plans[kind] != null) {
                    ExecutionPlan plan = plans[kind];
                    int times = kind == 0 ? GEMV_BATCH : 1;
                    runs.add(() -> {
                        for (int i = 0; i < times; i++) {
                            plan.execute();
                        }
                    });
                    labels.add(formats.get(f) + " " + what[kind]);
                }
            }
        }
        progress.begin("GEMV and GEMM of every format, interleaved", n / 2.0);
        Timing.Result timed = timing.interleaved(runs, labels::get, progress);
        progress.done("GEMV and GEMM of every format timed (warm-up " + timed.warmupText(timing) + " runs)");
        double[] ms = timed.medians();
        BlockWeights blockWeights = BlockWeights.random(blockConfig.dModel(), blockConfig.ffDim(), 7);
        float[] blockX = Inputs.gaussian(rnd, blockTokens * blockConfig.dModel(), 1);
        float[] reference = new EncoderBlock(blockConfig, blockWeights).forward(backend, EncoderBlock.Variant.FUSED,
                blockX, 1, blockTokens);
        for (int f = 0; f < n; f++) {
            String format = formats.get(f);
            progress.step(format + ": block error");
            float[] y = CompressedBlock.of(blockWeights, WeightFormats.parse(format)).block(blockConfig)
                    .forward(backend, EncoderBlock.Variant.FUSED, blockX, 1, blockTokens);
            double gemvMs = ms[index[f][0]] / GEMV_BATCH;
            double streamedMs = index[f][1] < 0 ? Double.NaN : ms[index[f][1]] / copies[f];
            double gemmMs = index[f][2] < 0 ? Double.NaN : ms[index[f][2]];
            results.add(new Row(format, weightBytes(layers.get(f)), gemvMs, streamedMs, gemmMs, relativeError(y, reference),
                    implementations.get(f)));
        }
    }

    private long weightBytes(LinearLayer layer) {
        return layer instanceof CompressedLinear c ? c.weightBytes() : 4L * size * size;
    }

    /** A plan applying each of {@code layers} in turn to {@code x} ({@code m} rows). */
    private static ExecutionPlan plan(Backend backend, List<LinearLayer> layers, float[] x, int m) {
        List<TaskGraph> graphs = new ArrayList<>();
        for (int c = 0; c < layers.size(); c++) {
            LinearLayer l = layers.get(c);
            float[] y = new float[m * l.out()];
            TaskGraph g = new TaskGraph("layer" + c)
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, l.weightArrays().toArray())
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
            l.addTo(g, "linear", x, y, m, false, Activations.IDENTITY);
            graphs.add(g.transferToHost(DataTransferMode.EVERY_EXECUTION, y));
        }
        return backend.plan(graphs);
    }

    /** Runs {@code plan} untimed for {@code jitMillis} (at least 3 times): Vector API loops are slow until compiled. */
    private ExecutionPlan warm(ExecutionPlan plan) {
        long until = System.nanoTime() + jitMillis * 1_000_000L;
        for (int i = 0; i < 3 || System.nanoTime() < until; i++) {
            plan.execute();
        }
        return plan;
    }

    /** The implementation of the last task of the first graph: the linear layer's GEMM. */
    private static String implementation(Profile p) {
        List<Profile.TaskProfile> tasks = p.graphs().get(0).tasks();
        return tasks.get(tasks.size() - 1).implementation();
    }

    @Override
    public String text() {
        return String.format(Locale.ROOT, "compressed weights: %dx%d layer, GEMV (1 row) and GEMM (%d rows); block "
                        + "error: d=%d ff=%d, %d tokens%n", size, size, rows, blockConfig.dModel(), blockConfig.ffDim(),
                blockTokens) + table().text()
                + "speed-up vs " + BASELINE + " (same layout and loops); GB/s = weight bytes / time; hot = weight "
                + "reused from cache, streamed = weights read from memory\n";
    }

    @Override
    public void addTo(Report report) {
        Chart time = Chart.logLog("GEMV " + size + "x" + size + " (streamed) vs weight size", "weight MiB", "ms");
        Chart error = Chart.logLog("Block output error vs bits per weight", "bits per weight", "relative error");
        for (Row r : results) {
            double mib = r.weightBytes() / 1048576.0;
            double gemv = Double.isNaN(r.gemvStreamed()) ? r.gemvHot() : r.gemvStreamed();
            time.series(r.format(), new double[] {mib}, new double[] {gemv});
            if (r.blockError() > 0) {
                error.series(r.format(), new double[] {bits(r)}, new double[] {r.blockError()});
            }
        }
        report.section("Compressed weights: size, speed, error")
                .text(String.format(Locale.ROOT, "One %dx%d linear layer of N(0, 1/%d) weights: GEMV with 1 activation "
                                + "row (decode) and GEMM with %d rows (prefill), timed in interleaved rounds (every "
                                + "format once per round): %s Hot GEMV reuses one weight copy (it "
                                + "may stay in the last-level cache); streamed GEMV, in the same rounds, rotates over "
                                + "copies totalling at least %d MiB, so weights come from memory. "
                                + "Speed-up against `%s` (fp32, same layout and loops). Block error: "
                                + "relative L2 error of an encoder block's output (d=%d, ff=%d, %d tokens, random "
                                + "weights) with its four linear layers in the format, against fp32.",
                        size, size, size, rows, timing.describe(), streamMib, BASELINE,
                        blockConfig.dModel(), blockConfig.ffDim(), blockTokens))
                .table(table()).chart(time).chart(error);
    }

    private Table table() {
        Row base = results.stream().filter(r -> r.format().equals(BASELINE)).findFirst().orElse(null);
        Table.Builder t = Table.of("format", "MiB", "bits/w", "GEMV hot ms", "GEMV stream ms", "stream GB/s",
                "GEMV speed-up", "GEMM ms", "GEMM GFLOP/s", "GEMM speed-up", "block error", "impl");
        for (Row r : results) {
            double gemv = Double.isNaN(r.gemvStreamed()) ? r.gemvHot() : r.gemvStreamed();
            double baseGemv = base == null ? Double.NaN
                    : Double.isNaN(base.gemvStreamed()) ? base.gemvHot() : base.gemvStreamed();
            t.row(r.format(), f("%.2f", r.weightBytes() / 1048576.0), f("%.2f", bits(r)), f("%.3f", r.gemvHot()),
                    f("%.3f", r.gemvStreamed()), f("%.1f", r.weightBytes() / r.gemvStreamed() / 1e6),
                    f("%.2fx", baseGemv / gemv), f("%.1f", r.gemm()), f("%.1f", 2.0 * rows * size * size / r.gemm() / 1e6),
                    f("%.2fx", base == null ? Double.NaN : base.gemm() / r.gemm()), f("%.2e", r.blockError()),
                    r.implementation());
        }
        return t.build();
    }

    private double bits(Row r) {
        return r.weightBytes() * 8.0 / ((double) size * size);
    }

    private static double relativeError(float[] y, float[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < y.length; i++) {
            num += ((double) y[i] - ref[i]) * ((double) y[i] - ref[i]);
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    private static String f(String format, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }
}
