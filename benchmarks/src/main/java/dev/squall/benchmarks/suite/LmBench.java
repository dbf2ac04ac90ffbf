package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.model.Generation;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.KvCache;
import dev.squall.engine.model.Sampling;
import dev.squall.benchmarks.report.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code squall lm bench}: prefill and decode speed of one GPT in several weight formats, against the machine's
 * memory bandwidth. Each round prefills the same prompt and decodes the same number of tokens (greedy) in every
 * format, one after another (interleaved rounds, medians reported). Decoding one token reads every linear weight
 * once (the head included), so {@code bandwidth / weight bytes} bounds decode tokens/s from above; the table shows
 * how close each format comes. The bandwidth is measured in every round too, before the formats, and each
 * round's decode speed is compared with that round's bandwidth (on a shared machine both move with the load).
 */
public final class LmBench {
    /**
     * What to measure.
     *
     * @param weights      the model's weights
     * @param formats      weight formats, the first the baseline of the speed-ups
     * @param prefill      prompt tokens
     * @param decode       tokens decoded after the prefill
     * @param warmup       untimed rounds
     * @param rounds       timed rounds
     * @param kv           KV cache storage
     * @param bandwidthMib size of the bandwidth probe's array
     */
    public record Options(GptWeights weights, List<String> formats, int prefill, int decode, int warmup, int rounds,
                          KvCache.Kind kv, int bandwidthMib) {
        /** Checks the sizes. */
        public Options {
            GptConfig c = weights.config();
            if (formats.isEmpty() || prefill < 1 || decode < 1 || warmup < 0 || rounds < 1 || bandwidthMib < 1) {
                throw new IllegalArgumentException("lm bench needs formats, --prefill, --decode, --rounds,"
                        + " --bandwidth-mib >= 1 and --warmup >= 0");
            }
            if (prefill + decode > c.blockSize()) {
                throw new IllegalArgumentException("--prefill + --decode (" + (prefill + decode)
                        + ") must fit in block_size " + c.blockSize());
            }
        }
    }

    /**
     * One format's medians.
     *
     * @param format      the weight format
     * @param weightBytes bytes of the linear weights and head, read once per decoded token
     * @param prefill     prompt tokens per second
     * @param decode      decoded tokens per second
     * @param limit       median over the rounds of decode tokens/s as a fraction of that round's bandwidth limit
     * @param lastStep    the profile of the last decode step of the last round
     */
    public record Row(String format, long weightBytes, double prefill, double decode, double limit, Profile lastStep) {
    }

    private final Options options;
    private double bandwidth;
    private int threads;
    private String backendDescription;
    private final List<Row> rows = new ArrayList<>();

    /** A bench of {@code options}. */
    public LmBench(Options options) {
        this.options = options;
    }

    /** Measures the bandwidth with {@code threads} threads, then every format on {@code backend}. */
    public List<Row> run(Backend backend, int threads, Consumer<String> progress) {
        this.threads = threads;
        this.backendDescription = backend.description();
        GptConfig c = options.weights().config();
        int[] prompt = new SplittableRandom(1).ints(options.prefill(), 0, c.vocabSize()).toArray();
        List<GptModel> models = new ArrayList<>();
        double[] bandwidths = new double[options.rounds()];
        try (StreamBandwidth probe = new StreamBandwidth(options.bandwidthMib(), threads)) {
            for (String f : options.formats()) {
                progress.accept("lm bench: " + f + ": converting the weights");
                models.add(GptModel.of(options.weights(), GptModel.Options.defaults().withBackend(backend)
                        .withWeights(f).withKv(options.kv().name())));
            }
            int n = models.size();
            double[][] prefill = new double[n][options.rounds()];
            double[][] decode = new double[n][options.rounds()];
            double[][] limit = new double[n][options.rounds()];
            Profile[] steps = new Profile[n];
            for (int round = -options.warmup(); round < options.rounds(); round++) {
                progress.accept("lm bench: " + (round < 0 ? "warm-up" : "round " + (round + 1)) + ": stream bandwidth, "
                        + options.bandwidthMib() + " MiB, " + threads + " threads");
                double bw = probe.measure(3);
                if (round >= 0) {
                    bandwidths[round] = bw;
                }
                for (int m = 0; m < n; m++) {
                    progress.accept("lm bench: " + (round < 0 ? "warm-up " + (round + options.warmup() + 1) + "/"
                            + options.warmup() : "round " + (round + 1) + "/" + options.rounds()) + ": "
                            + options.formats().get(m));
                    Generation g = models.get(m).generate(prompt, options.decode() + 1, Sampling.greedyDecoding(),
                            t -> { });
                    if (round >= 0) {
                        prefill[m][round] = g.prefillTokensPerSecond();
                        decode[m][round] = g.decodeTokensPerSecond();
                        limit[m][round] = g.decodeTokensPerSecond() * models.get(m).network().layers().weightBytes() / bw;
                        steps[m] = g.lastStep();
                    }
                }
            }
            for (int m = 0; m < n; m++) {
                rows.add(new Row(models.get(m).network().layers().format(),
                        models.get(m).network().layers().weightBytes(), Timing.median(prefill[m]),
                        Timing.median(decode[m]), Timing.median(limit[m]), steps[m]));
            }
            bandwidth = Timing.median(bandwidths);
        } finally {
            models.forEach(GptModel::close);
        }
        return rows;
    }

    /** The measured read bandwidth, bytes per second. */
    public double bandwidth() {
        return bandwidth;
    }

    /** The results as text. */
    public String text() {
        GptConfig c = options.weights().config();
        long params = options.weights().tensors().values().stream().mapToLong(a -> a.size()).sum();
        double kvPerToken = (double) c.nLayer() * 2 * c.nEmbd() * (options.kv() == KvCache.Kind.FP32 ? 4 : 1)
                * (options.prefill() + options.decode() / 2.0);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "model:     %d layers, n_embd %d, %d heads, vocab %d, block %d: %.1f M"
                        + " parameters%n", c.nLayer(), c.nEmbd(), c.nHead(), c.vocabSize(), c.blockSize(), params / 1e6));
        sb.append("backend:   ").append(backendDescription).append('\n');
        sb.append(String.format(Locale.ROOT, "bandwidth: %.1f GB/s read (median of the rounds; %d threads reading %d MiB,"
                + " best of 3 each round)%n", bandwidth / 1e9, threads, options.bandwidthMib()));
        sb.append(String.format(Locale.ROOT, "run:       prefill %d tokens, then decode %d (greedy), KV cache %s"
                        + " (about %.1f MiB read per decoded token besides the weights); medians of %d rounds after"
                        + " %d warm-up%n", options.prefill(), options.decode(), options.kv().name().toLowerCase(Locale.ROOT),
                kvPerToken / (1 << 20), options.rounds(), options.warmup()));
        Table.Builder t = Table.of("format", "weight MiB/token", "prefill tok/s", "decode tok/s", "ms/token",
                "weights GB/s", "% of bandwidth limit", "decode vs " + rows.getFirst().format());
        for (Row r : rows) {
            t.row(r.format(), String.format(Locale.ROOT, "%.1f", r.weightBytes() / (double) (1 << 20)),
                    String.format(Locale.ROOT, "%.1f", r.prefill()), String.format(Locale.ROOT, "%.2f", r.decode()),
                    String.format(Locale.ROOT, "%.2f", 1000 / r.decode()),
                    String.format(Locale.ROOT, "%.1f", r.decode() * r.weightBytes() / 1e9),
                    String.format(Locale.ROOT, "%.0f%%", 100 * r.limit()),
                    String.format(Locale.ROOT, "%.2fx", r.decode() / rows.getFirst().decode()));
        }
        sb.append(t.build().text());
        sb.append("bandwidth limit = bandwidth / weight bytes per token (the round's bandwidth, median of the rounds);"
                + " weights GB/s = decode tok/s x weight bytes\n");
        return sb.toString();
    }

    /** The measured rows. */
    public List<Row> rows() {
        return rows;
    }
}
