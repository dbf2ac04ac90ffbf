package dev.squall.benchmarks.suite;

import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;
import dev.squall.benchmarks.peer.PeerUnavailableException;
import dev.squall.benchmarks.peer.TorchTrainPeer;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.TrainOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A training step of a GPT ({@link GptTrainer}: forward, loss, backward, clipping, AdamW) with the fused
 * (FlashAttention-2) and the unfused attention backward, timed in interleaved rounds: tokens per second and the
 * step's peak memory ({@link GptTrainer#memory}), saved activations and workspace apart. Models: nanoGPT's CPU
 * recipe (vocab 65, 4 layers, 4 heads, 128 wide, 64 tokens, batch 12) and its GPU recipe's shape (6 × 6 × 384,
 * 256 tokens) at a smaller batch.
 */
public final class TrainBench implements BenchSuite {
    /**
     * One model.
     *
     * @param name   label
     * @param config its shape
     * @param batch  sequences per step
     * @param length tokens per sequence
     */
    public record Model(String name, GptConfig config, int batch, int length) {
    }

    /** The two models of the issue: the CPU recipe, and the 6 × 384 × 256-token model at batch 4. */
    public static final List<Model> DEFAULT_MODELS = List.of(
            new Model("4x4x128, T 64, B 12", GptConfig.of(65, 64, 4, 4, 128, true, 0.0), 12, 64),
            new Model("6x6x384, T 256, B 4", GptConfig.of(65, 256, 6, 6, 384, true, 0.0), 4, 256));

    /** Milliseconds per step of fused, unfused and (NaN when unavailable) the PyTorch peer. */
    private record Row(Model model, double[] millis, GraphMemory.Breakdown[] memory) {
        double peer() {
            return millis[FORMS.length];
        }
    }

    private static final TrainOptions.Attention[] FORMS = TrainOptions.Attention.values();
    private final List<Model> models;
    private final Timing timing;
    private final List<Row> rows = new ArrayList<>();

    /** A suite over {@code models}; warm-up at most 2 steps (a step takes seconds). */
    public TrainBench(List<Model> models, Timing timing) {
        this.models = List.copyOf(models);
        this.timing = new Timing(Math.min(timing.warmup(), 2), timing.repetitions());
    }

    @Override
    public double work() {
        return models.stream().mapToDouble(TrainBench::flops).sum();
    }

    /** About 6 flops per parameter and token (forward and backward) of a step, twice (fused and unfused). */
    private static double flops(Model m) {
        GptConfig c = m.config();
        double perToken = 6.0 * 12 * c.nLayer() * c.nEmbd() * c.nEmbd() + 6.0 * c.vocabSize() * c.nEmbd();
        return 2 * perToken * m.batch() * m.length();
    }

    @Override
    public void run(Backend backend, Progress progress) {
        rows.clear();
        for (Model m : models) {
            progress.begin("train " + m.name(), flops(m));
            SplittableRandom rnd = new SplittableRandom(17);
            int[] batch = new int[m.batch() * (m.length() + 1)];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = rnd.nextInt(m.config().vocabSize());
            }
            List<GptTrainer> trainers = new ArrayList<>();
            TorchTrainPeer peer = startPeer(m, BackendThreads.of(backend), progress);
            try {
                List<Runnable> runs = new ArrayList<>();
                GraphMemory.Breakdown[] memory = new GraphMemory.Breakdown[FORMS.length];
                for (int f = 0; f < FORMS.length; f++) {
                    GptTrainer t = new GptTrainer(GptWeights.random(m.config(), 1),
                            TrainOptions.defaults(1000).withAttention(FORMS[f]), backend, m.batch(), m.length());
                    trainers.add(t);
                    memory[f] = t.memory();
                    runs.add(() -> t.step(batch));
                }
                if (peer != null) {
                    runs.add(peer::step);
                }
                double[] ms = timing.interleavedMedianMillis(runs, r -> "train " + m.name() + " " + (r < FORMS.length
                        ? FORMS[r].name().toLowerCase(Locale.ROOT) : "pytorch"), progress);
                double[] all = java.util.Arrays.copyOf(ms, FORMS.length + 1);
                if (peer == null) {
                    all[FORMS.length] = Double.NaN;
                }
                rows.add(new Row(m, all, memory));
            } finally {
                trainers.forEach(GptTrainer::close);
                if (peer != null) {
                    peer.close();
                }
            }
        }
    }

    /** PyTorch training the same model with the same threads, or null (with a notice) where it cannot run. */
    private static TorchTrainPeer startPeer(Model m, int threads, Progress progress) {
        GptConfig c = m.config();
        try {
            return TorchTrainPeer.start(c.vocabSize(), c.blockSize(), c.nLayer(), c.nHead(), c.nEmbd(), c.bias(),
                    m.batch(), m.length(), threads);
        } catch (PeerUnavailableException e) {
            progress.notice("pytorch " + m.name() + ": skipped, " + e.getMessage());
            return null;
        }
    }

    @Override
    public String text() {
        return "train: one step (forward, backward, clip, AdamW), fused vs unfused attention backward\n"
                + table().text();
    }

    @Override
    public void addTo(Report report) {
        report.section("Training step: fused vs unfused attention backward")
                .text(String.format(Locale.ROOT, "GptTrainer.step on random weights and tokens; median of %d steps after"
                        + " %d, interleaved. Peak: GraphMemory of the step's graphs (weights, gradients, AdamW state,"
                        + " saved activations, workspace).", timing.repetitions(), timing.warmup()))
                .table(table());
    }

    private Table table() {
        Table.Builder t = Table.of("model", "attention", "ms/step", "tokens/s", "peak MiB", "saved MiB", "workspace MiB",
                "fused speed-up", "x PyTorch");
        for (Row r : rows) {
            double tokens = (double) r.model().batch() * r.model().length();
            for (int f = 0; f < FORMS.length; f++) {
                GraphMemory.Breakdown b = r.memory()[f];
                t.row(r.model().name(), FORMS[f].name().toLowerCase(Locale.ROOT), f("%.1f", r.millis()[f]),
                        f("%.0f", tokens / r.millis()[f] * 1e3), mib(b.peakBytes()), mib(b.atPeak("saved/")),
                        mib(b.atPeak("workspace")), f == 0 ? f("%.2fx", r.millis()[1] / r.millis()[0]) : "",
                        Double.isNaN(r.peer()) ? "" : f("%.2fx", r.peer() / r.millis()[f]));
            }
            if (!Double.isNaN(r.peer())) {
                t.row(r.model().name(), "PyTorch (peer)", f("%.1f", r.peer()), f("%.0f", tokens / r.peer() * 1e3),
                        "", "", "", "", "");
            }
        }
        return t.build();
    }

    private static String mib(long bytes) {
        return f("%.1f", bytes / (1024.0 * 1024.0));
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
