package dev.squall.cli;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.FusedAttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.ApproximationError;
import dev.squall.engine.layers.pattern.AttentionPattern;
import dev.squall.engine.layers.pattern.AttentionRuns;
import dev.squall.benchmarks.report.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code squall attention-error --pattern P [--pattern P2 ..] (--n N [--heads H --d D --batch B --seed S] | Q K V)
 * [--causal]}: how far each pattern's (fused) attention is from exact dense attention.
 */
@Command(name = "attention-error", description = {"Error of attention patterns against dense attention.",
        "The relative Frobenius norm and largest absolute difference of each pattern's output against exact dense "
                + "attention, on random standard normal Q, K, V or on given ones ([H, N, D] or [B, H, N, D])."})
final class AttentionErrorCommand implements Callable<Integer> {
    @Option(names = "--pattern", required = true, paramLabel = "PATTERN",
            description = {"Pattern to measure (repeatable): " + PatternAttention.GRAMMAR + "."})
    List<String> patterns;
    @Parameters(arity = "0..3", paramLabel = "Q.npy K.npy V.npy", description = "Given inputs, instead of random ones.")
    List<Path> files;
    @Option(names = "--n", paramLabel = "N", description = "Sequence length of the random inputs.")
    Integer n;
    @Option(names = "--heads", defaultValue = "12", description = "Heads of the random inputs (default: ${DEFAULT-VALUE}).")
    int heads;
    @Option(names = "--d", defaultValue = "64", description = "Head dimension of the random inputs (default: ${DEFAULT-VALUE}).")
    int d;
    @Option(names = "--batch", defaultValue = "1", description = "Sequences of the random inputs (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--causal", description = "Causal attention (the pattern's causal form against causal dense attention).")
    boolean causal;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        List<AttentionPattern> parsed = patterns.stream().map(AttentionPattern::parse).toList();
        QkvLayout qkv = files == null || files.isEmpty() ? random() : given();
        Sequences seqs = Sequences.uniform(batch, n);
        try (Backend backend = run.backend()) {
            float[] exact = run(backend, new FusedAttentionOp(), qkv, seqs);
            Table.Builder t = Table.of("pattern", "rel. Frobenius", "max |diff|");
            for (AttentionPattern p : parsed) {
                ApproximationError e = ApproximationError.of(run(backend, p.op(EncoderBlock.Variant.FUSED), qkv, seqs), exact);
                t.row(p.spec(), String.format(Locale.ROOT, "%.3e", e.relativeFrobenius()),
                        String.format(Locale.ROOT, "%.3e", e.maxAbs()));
            }
            System.out.printf(Locale.ROOT, "attention error vs exact dense attention: batch=%d heads=%d N=%d d=%d%s, %s%n",
                    batch, heads, n, d, causal ? " causal" : "", files == null || files.isEmpty()
                            ? "random N(0,1) inputs, seed " + seed : "inputs " + files);
            System.out.print(t.build().text());
        }
        return 0;
    }

    /** Runs {@code op} once, printing its profile with {@code --profile}. */
    private float[] run(Backend backend, AttentionOp op, QkvLayout qkv, Sequences seqs) {
        float[] out = new float[Math.multiplyExact(seqs.tokens(), heads * d)];
        Profile profile = backend.plan(AttentionRuns.graph(op, qkv, out, seqs, heads, d, causal)).execute();
        if (run.profile) {
            System.err.print(profile.table());
        }
        return out;
    }

    private QkvLayout random() {
        if (n == null) {
            throw new IllegalArgumentException("give --n N for random inputs, or Q.npy K.npy V.npy");
        }
        if (n < 1 || heads < 1 || d < 1 || batch < 1) {
            throw new IllegalArgumentException("--n, --heads, --d and --batch must be >= 1, got " + n + ", " + heads + ", "
                    + d + ", " + batch);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int size = Math.multiplyExact(Math.multiplyExact(batch, n), heads * d);
        float[][] x = new float[3][size];
        for (float[] a : x) {
            for (int i = 0; i < size; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
        }
        return QkvLayout.separate(x[0], x[1], x[2], heads * d);
    }

    private QkvLayout given() {
        if (files.size() != 3) {
            throw new IllegalArgumentException("give all three of Q.npy K.npy V.npy, got " + files.size() + " file(s)");
        }
        if (n != null) {
            throw new IllegalArgumentException("--n is for random inputs; with Q K V files N comes from their shape");
        }
        NdArray qa = Inputs.read("Q", files.get(0));
        NdArray ka = Inputs.read("K", files.get(1));
        NdArray va = Inputs.read("V", files.get(2));
        Inputs.rank("Q", qa, 3, 4);
        Inputs.sameShape("Q", qa, "K", ka);
        Inputs.sameShape("Q", qa, "V", va);
        n = qa.dim(-2);
        d = qa.dim(-1);
        heads = qa.dim(-3);
        batch = qa.rank() == 4 ? qa.dim(0) : 1;
        return QkvLayout.separate(HeadMajor.toTokenMajor(Inputs.floats("Q", qa), batch, heads, n, d),
                HeadMajor.toTokenMajor(Inputs.floats("K", ka), batch, heads, n, d),
                HeadMajor.toTokenMajor(Inputs.floats("V", va), batch, heads, n, d), heads * d);
    }
}
