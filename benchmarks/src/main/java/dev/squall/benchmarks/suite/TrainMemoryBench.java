package dev.squall.benchmarks.suite;

import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.Recompute;
import dev.squall.engine.train.TrainOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Issue 18's memory options on one training step of the 6-layer, 384-wide GPT at T = 256, batch 4 (fused
 * attention): per option the step's peak memory split into weights, gradients, AdamW state, saved activations and
 * workspace ({@link GptTrainer#memory}), the step time (interleaved rounds) and, beside the measured saved bytes,
 * Korthikanti et al.'s per-layer count adapted to fp32 without dropout (docs/training-memory.md).
 */
public final class TrainMemoryBench implements BenchSuite {
    /** A memory option: recomputation and activation compression. */
    public record Variant(Recompute recompute, ActivationCodec codec) {
        String name() {
            return recompute.name().toLowerCase(Locale.ROOT) + " / " + codec;
        }
    }

    /** The options measured: the baseline first. */
    public static final List<Variant> VARIANTS = List.of(new Variant(Recompute.NONE, ActivationCodec.NONE),
            new Variant(Recompute.SELECTIVE, ActivationCodec.NONE), new Variant(Recompute.FULL, ActivationCodec.NONE),
            new Variant(Recompute.NONE, ActivationCodec.INT8), new Variant(Recompute.NONE, ActivationCodec.INT4),
            new Variant(Recompute.SELECTIVE, ActivationCodec.INT8));

    private static final GptConfig CONFIG = GptConfig.of(65, 256, 6, 6, 384, true, 0.0);
    private static final int BATCH = 4;
    private static final int LENGTH = 256;

    private record Row(Variant variant, double millis, GraphMemory.Breakdown memory, long analytic) {
    }

    private final Timing timing;
    private final List<Row> rows = new ArrayList<>();

    /** The suite; warm-up at most 2 steps (a step takes about a second). */
    public TrainMemoryBench(Timing timing) {
        this.timing = new Timing(Math.min(timing.warmup(), 2), timing.repetitions());
    }

    @Override
    public double work() {
        double perToken = 6.0 * 12 * CONFIG.nLayer() * CONFIG.nEmbd() * CONFIG.nEmbd();
        return VARIANTS.size() * perToken * BATCH * LENGTH;
    }

    /**
     * Korthikanti's saved bytes, fp32, no dropout, fused attention: per layer {@code 4·(16·sbh + a·s·b)} (none),
     * {@code 4·9·sbh} (selective: x, x2, qkv, GELU input), {@code 4·sbh} (full), plus the logits {@code 4·sbV}; with
     * compression the compressed tensors at their stored size ({@code compressed = {stored, fp32}}). The column
     * beside it: every array labelled {@code saved/} ({@link #kept}).
     */
    static long analytic(Recompute r, GptConfig c, int b, int s, long[] compressed) {
        long sbh = (long) s * b * c.nEmbd();
        long perLayer = switch (r) {
            case NONE -> 4 * (16 * sbh + (long) c.nHead() * s * b);
            case SELECTIVE -> 4 * 9 * sbh;
            case FULL -> 4 * sbh;
        };
        return c.nLayer() * perLayer + 4L * s * b * c.vocabSize() - compressed[1] + compressed[0];
    }

    @Override
    public void run(Backend backend, Progress progress) {
        rows.clear();
        progress.begin("train-memory", work());
        SplittableRandom rnd = new SplittableRandom(17);
        int[] batch = new int[BATCH * (LENGTH + 1)];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = rnd.nextInt(CONFIG.vocabSize());
        }
        List<GptTrainer> trainers = new ArrayList<>();
        try {
            List<Runnable> runs = new ArrayList<>();
            List<GraphMemory.Breakdown> memory = new ArrayList<>();
            List<Long> analytic = new ArrayList<>();
            for (Variant v : VARIANTS) {
                GptTrainer t = new GptTrainer(GptWeights.random(CONFIG, 1), TrainOptions.defaults(1000), v.recompute(),
                        v.codec(), backend, BATCH, LENGTH);
                trainers.add(t);
                memory.add(t.memory());
                analytic.add(analytic(v.recompute(), CONFIG, BATCH, LENGTH, t.compressedBytes()));
                runs.add(() -> t.step(batch));
            }
            double[] ms = timing.interleavedMedianMillis(runs, r -> "train-memory " + VARIANTS.get(r).name(), progress);
            for (int i = 0; i < VARIANTS.size(); i++) {
                rows.add(new Row(VARIANTS.get(i), ms[i], memory.get(i), analytic.get(i)));
            }
        } finally {
            trainers.forEach(GptTrainer::close);
        }
    }

    @Override
    public String text() {
        return "train-memory: one step of 6x6x384, T 256, B 4 (fused attention) per memory option\n" + table().text();
    }

    @Override
    public void addTo(Report report) {
        report.section("Training memory: recomputation and activation compression")
                .text(String.format(Locale.ROOT, "GptTrainer.step, 6 layers x 6 heads x 384, T 256, batch 4, fused"
                        + " attention; median of %d steps after %d, interleaved. Memory: GraphMemory at the step's"
                        + " peak; analytic: Korthikanti et al.'s count in fp32 without dropout.", timing.repetitions(),
                        timing.warmup()))
                .table(table());
    }

    private Table table() {
        Table.Builder t = Table.of("recompute / act-compress", "ms/step", "time ratio", "peak MiB", "weights",
                "gradients", "optimizer", "saved", "workspace", "kept MiB", "kept ratio", "analytic kept");
        Row base = rows.isEmpty() ? null : rows.get(0);
        for (Row r : rows) {
            GraphMemory.Breakdown b = r.memory();
            long kept = kept(b);
            t.row(r.variant().name(), f("%.0f", r.millis()), f("%.2fx", r.millis() / base.millis()),
                    mib(b.peakBytes()), mib(b.atPeak("weights")), mib(b.atPeak("gradients")),
                    mib(b.atPeak("optimizer")), mib(b.atPeak("saved/")), mib(b.atPeak("workspace")), mib(kept),
                    f("%.2fx", (double) kept(base.memory()) / kept), mib(r.analytic()));
        }
        return t.build();
    }

    /** Bytes of every array kept from the forward for the backward (labelled saved/), live at the peak or not. */
    static long kept(GraphMemory.Breakdown b) {
        return b.total().entrySet().stream().filter(e -> e.getKey().startsWith("saved/"))
                .mapToLong(java.util.Map.Entry::getValue).sum();
    }

    private static String mib(long bytes) {
        return f("%.1f", bytes / (1024.0 * 1024.0));
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
