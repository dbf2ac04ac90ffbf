package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.benchmarks.suite.Progress;
import dev.squall.benchmarks.suite.Timing;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.attention.DenseAttentionBackward;
import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.attention.FusedAttentionBackward;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.embedding.Embeddings;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.optim.AdamW;
import dev.squall.tasks.optim.GradClip;
import dev.squall.tasks.softmax.CrossEntropy;
import dev.squall.tasks.softmax.Softmax;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * The training kernels of a GPT step, plain against fast (the JVM backend with {@link FastPaths#none()} and with
 * {@link FastPaths#standard()}), timed in interleaved rounds in one JVM so that their ratio holds on a shared
 * machine. Per model (nanoGPT's CPU recipe {@code small}: 4 layers, 128 wide, 4 heads, 64 tokens, batch 12;
 * {@code medium}: 6 layers, 384 wide, 6 heads, 256 tokens, batch 12; vocabulary 65) each kernel runs at the
 * shapes a step gives it, and the table weighs it by how often a step runs it, which makes it a profile of the
 * step's backward and optimizer (the forward kernels that are not training-specific are not here). {@code attention}
 * compares the fused (FlashAttention-2 style) and the unfused attention backward at T = 1024 with the peak bytes of
 * each graph's arrays ({@link GraphMemory}).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.squall.benchmarks.TrainingKernelsBenchmark [small|medium|attention|fused-vs-unfused|all] [--threads 2] [--warmup 3]
 *     [--reps 9] [--only REGEX] [--fast-only]
 * </pre>
 */
public final class TrainingKernelsBenchmark {
    /** A GPT configuration and batch. */
    record Model(String name, int layers, int channels, int heads, int seq, int batch, int vocab) {
        int tokens() {
            return seq * batch;
        }

        int d() {
            return channels / heads;
        }
    }

    static final Model SMALL = new Model("small", 4, 128, 4, 64, 12, 65);
    static final Model MEDIUM = new Model("medium", 6, 384, 6, 256, 12, 65);

    /**
     * One benchmark: a graph and how many times a training step runs it.
     *
     * @param name  what it is
     * @param count runs per training step
     * @param flops floating-point operations per run (0: not counted)
     * @param graph the tasks
     */
    record Case(String name, int count, double flops, TaskGraph graph) {
    }

    /** Executions per warm-up run: short kernels are timed as a batch. */
    private static final int WARM_BATCH = 10;
    /**
     * The warm-up of each plan alone, in batches of {@link #WARM_BATCH}: at least 20 batches, then until the
     * batches settle by {@link Timing}'s rule (or its {@value Timing#MAX_WARMUP_SECONDS} s cap).
     */
    private static final Timing WARM = new Timing(20, 100_000, 1);

    private TrainingKernelsBenchmark() {
    }

    public static void main(String[] args) {
        String which = "all";
        int threads = 2;
        int warmup = 3;
        int reps = 9;
        Pattern only = Pattern.compile(".*");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--only" -> only = Pattern.compile(args[++i]);
                case "--fast-only" -> fastOnly = true;
                default -> which = args[i];
            }
        }
        System.out.println("threads=" + threads + " vectors=" + FastPaths.vectorSpecies() + " "
                + Runtime.version());
        Timing timing = new Timing(warmup, reps);
        try (JvmBackend plain = new JvmBackend(threads, FastPaths.none());
             JvmBackend fast = new JvmBackend(threads, FastPaths.standard())) {
            for (Model m : List.of(SMALL, MEDIUM)) {
                if (which.equals("all") || which.equals(m.name())) {
                    run(m.name() + " (" + m.layers() + "x" + m.channels() + ", T=" + m.seq() + ", B=" + m.batch() + ")",
                            step(m), only, timing, plain, fast);
                }
            }
            if (which.equals("all") || which.equals("attention")) {
                List<Case> cases = new ArrayList<>();
                for (int[] hd : new int[][] {{6, 64}, {4, 32}}) {
                    cases.add(attentionBackward("fused backward H=" + hd[0] + " d=" + hd[1], 1, 1024, hd[0], hd[1], true, 1));
                    cases.add(attentionBackward("unfused backward H=" + hd[0] + " d=" + hd[1], 1, 1024, hd[0], hd[1], false,
                            1));
                    cases.add(attentionForward("fused forward+lse H=" + hd[0] + " d=" + hd[1], 1, 1024, hd[0], hd[1], 1));
                }
                run("attention backward, T=1024, one sequence, causal", cases, only, timing, plain, fast);
            }
            if (which.equals("all") || which.equals("fused-vs-unfused")) {
                compare(timing, fast);
            }
        }
    }

    /** Times only the fast plans (for profiling them); the plain column then repeats the fast one. */
    private static boolean fastOnly;

    private static void run(String title, List<Case> cases, Pattern only, Timing timing, JvmBackend plain,
                            JvmBackend fast) {
        System.out.println();
        System.out.println("## " + title);
        System.out.printf(Locale.ROOT, "%-34s %5s %10s %10s %8s %10s %10s %9s %12s%n", "kernel", "runs", "plain ms",
                "fast ms", "speedup", "step plain", "step fast", "GFLOP/s", "peak MiB");
        double plainStep = 0;
        double fastStep = 0;
        for (Case c : cases) {
            if (!only.matcher(c.name()).find()) {
                continue;
            }
            ExecutionPlan p = (fastOnly ? fast : plain).plan(c.graph());
            ExecutionPlan f = fast.plan(c.graph());
            warm(f, p);
            double[] ms = timing.interleavedMedianMillis(List.of(p::execute, f::execute), r -> "", Progress.NONE);
            plainStep += ms[0] * c.count();
            fastStep += ms[1] * c.count();
            long peak = GraphMemory.of(List.of(c.graph())).peakLiveBytes();
            System.out.printf(Locale.ROOT, "%-34s %5d %10.3f %10.3f %7.2fx %10.2f %10.2f %9s %12.2f%n", c.name(),
                    c.count(), ms[0], ms[1], ms[0] / ms[1], ms[0] * c.count(), ms[1] * c.count(),
                    c.flops() > 0 ? String.format(Locale.ROOT, "%.1f", c.flops() / ms[1] / 1e6) : "-",
                    peak / (1024.0 * 1024));
        }
        System.out.printf(Locale.ROOT, "%-34s %5s %10s %10s %7.2fx %10.2f %10.2f%n", "total", "", "", "",
                plainStep / fastStep, plainStep, fastStep);
    }

    /**
     * The fused against the unfused attention backward, both fast, timed in the same interleaved rounds at
     * T = 1024 (one sequence, causal), with the peak bytes of each graph's arrays.
     */
    private static void compare(Timing timing, JvmBackend fast) {
        System.out.println();
        System.out.println("## fused vs unfused attention backward (fast paths), T=1024, one sequence, causal");
        System.out.printf(Locale.ROOT, "%-12s %12s %12s %9s %14s %14s%n", "heads x d", "fused ms", "unfused ms", "ratio",
                "fused MiB", "unfused MiB");
        for (int[] hd : new int[][] {{6, 64}, {4, 32}, {12, 64}}) {
            Case fused = attentionBackward("fused", 1, 1024, hd[0], hd[1], true, 1);
            Case unfused = attentionBackward("unfused", 1, 1024, hd[0], hd[1], false, 1);
            ExecutionPlan f = fast.plan(fused.graph());
            ExecutionPlan u = fast.plan(unfused.graph());
            warm(f, u);
            double[] ms = timing.interleavedMedianMillis(List.of(f::execute, u::execute), r -> "", Progress.NONE);
            System.out.printf(Locale.ROOT, "%-12s %12.2f %12.2f %8.2fx %14.2f %14.2f%n", hd[0] + " x " + hd[1], ms[0],
                    ms[1], ms[1] / ms[0], mib(fused), mib(unfused));
        }
    }

    private static double mib(Case c) {
        return GraphMemory.of(List.of(c.graph())).peakLiveBytes() / (1024.0 * 1024);
    }

    /**
     * Warms the plans one after the other, each alone by {@link #WARM}: vector code runs some fifty times slower
     * until C2 has compiled it, which on a loaded machine takes seconds, so the fast plan must run alone until it
     * has, not between slow plain runs.
     */
    private static void warm(ExecutionPlan... plans) {
        for (ExecutionPlan plan : plans) {
            WARM.interleaved(List.of(() -> {
                for (int i = 0; i < WARM_BATCH; i++) {
                    plan.execute();
                }
            }), r -> "", Progress.NONE);
        }
    }

    /** The training-specific kernels of one step of {@code m}, each weighted by its runs per step. */
    static List<Case> step(Model m) {
        int n = m.tokens();
        int c = m.channels();
        int l = m.layers();
        List<Case> cases = new ArrayList<>();
        cases.add(weightGradient("dW qkv", l, n, 3 * c, c));
        cases.add(weightGradient("dW attn proj", l, n, c, c));
        cases.add(weightGradient("dW fc", l, n, 4 * c, c));
        cases.add(weightGradient("dW mlp proj", l, n, c, 4 * c));
        cases.add(weightGradient("dWte (lm_head)", 1, n, m.vocab(), c));
        cases.add(inputGradient("dX qkv", l, n, 3 * c, c));
        cases.add(inputGradient("dX attn proj", l, n, c, c));
        cases.add(inputGradient("dX fc", l, n, 4 * c, c));
        cases.add(inputGradient("dX mlp proj", l, n, c, 4 * c));
        cases.add(inputGradient("dX lm_head", 1, n, m.vocab(), c));
        cases.add(attentionBackward("attention fused backward", m.batch(), m.seq(), m.heads(), m.d(), true, l));
        cases.add(attentionBackward("attention unfused backward", m.batch(), m.seq(), m.heads(), m.d(), false, l));
        cases.add(attentionForward("attention forward+lse", m.batch(), m.seq(), m.heads(), m.d(), l));
        cases.add(layerNormBackward(2 * l + 1, n, c));
        cases.add(biasGradient("db (column sums, 4C)", l, n, 4 * c));
        cases.add(biasGradient("db (column sums, C)", 3 * l, n, c));
        cases.add(geluBackward(l, n, 4 * c));
        cases.add(crossEntropy(n, m.vocab()));
        cases.add(residual(2 * l, n, c));
        cases.add(embedding(n, m.vocab(), m.seq(), c));
        int params = parameters(m);
        cases.add(adamW(params));
        cases.add(gradClip(params));
        return cases;
    }

    /** Parameters of a GPT with tied embeddings: what AdamW and clipping run over. */
    static int parameters(Model m) {
        int c = m.channels();
        int block = 2 * 2 * c + 3 * c * c + 3 * c + c * c + c + 4 * c * c + 4 * c + 4 * c * c + c;
        return m.vocab() * c + m.seq() * c + m.layers() * block + 2 * c;
    }

    private static float[] gaussian(int size, long seed) {
        return Inputs.gaussian(size, seed);
    }

    private static TaskGraph graph(String name, Object... inputs) {
        return new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, inputs);
    }

    /** {@code dW[out, in] += dYᵀ·X} with dY {@code [n, out]}, X {@code [n, in]}. */
    static Case weightGradient(String name, int count, int n, int out, int in) {
        float[] dy = gaussian(n * out, 1);
        float[] x = gaussian(n * in, 2);
        float[] dw = new float[out * in];
        int tileN = 16;
        TaskGraph g = graph(name, dy, x, dw).task("dW", (out + tileN - 1) / tileN, Gemm::tiledMatmulTransA, dy, x, dw, n,
                out, in, 64, tileN, 256);
        return new Case(name + " " + out + "x" + in, count, 2.0 * n * out * in, g);
    }

    /** {@code dX[n, in] = dY·W} with W {@code [out, in]}. */
    static Case inputGradient(String name, int count, int n, int out, int in) {
        float[] dy = gaussian(n * out, 3);
        float[] w = gaussian(out * in, 4);
        float[] dx = new float[n * in];
        float[] noBias = new float[1];
        int tileM = 16;
        TaskGraph g = graph(name, dy, w, noBias).task("dX", (n + tileM - 1) / tileM, Gemm::tiledMatmul, dy, w, noBias, dx,
                n, in, out, 0, Activations.IDENTITY, tileM, 256, 128);
        return new Case(name + " " + out + "x" + in, count, 2.0 * n * out * in, g);
    }

    /** Q, K, V packed {@code [tokens, 3·heads·d]} and the sequence offsets. */
    private record Attention(int[] seqStart, int tokens, int heads, int d, float[] qkv, float[] dOut) {
        static Attention of(int batch, int seq, int heads, int d) {
            int[] seqStart = new int[batch + 1];
            for (int b = 0; b < batch; b++) {
                seqStart[b + 1] = seqStart[b] + seq;
            }
            int tokens = batch * seq;
            SplittableRandom rnd = new SplittableRandom(7);
            return new Attention(seqStart, tokens, heads, d, Inputs.gaussian(rnd, tokens * 3 * heads * d, 1),
                    Inputs.gaussian(rnd, tokens * heads * d, 1));
        }

        int width() {
            return heads * d;
        }

        int blockRows() {
            return FusedAttention.rows(seqStart, seqStart.length - 1, heads);
        }

        /** Causal attention flops of the {@code products} matrix products over the visible (query, key) pairs. */
        double flops(int products) {
            double pairs = 0;
            for (int b = 0; b + 1 < seqStart.length; b++) {
                double len = seqStart[b + 1] - seqStart[b];
                pairs += len * (len + 1) / 2;
            }
            return 2.0 * products * pairs * d * heads;
        }
    }

    /** The causal attention backward, fused (FlashAttention-2 style) or unfused (from the saved probabilities). */
    static Case attentionBackward(String name, int batch, int seq, int heads, int d, boolean fused, int count) {
        Attention a = Attention.of(batch, seq, heads, d);
        int w = a.width();
        int ld = 3 * w;
        float[] qkv = a.qkv();
        float[] dqkv = new float[a.tokens() * ld];
        int rows = a.tokens() * heads;
        if (fused) {
            float[] out = new float[a.tokens() * w];
            float[] lse = new float[rows];
            FusedAttention.attentionWithLse(qkv, qkv, qkv, out, lse, a.seqStart(), heads, d, ld, w, 2 * w, 1, 0,
                    a.blockRows());
            float[] delta = new float[rows];
            TaskGraph g = graph(name, qkv, a.dOut(), out, lse, a.seqStart())
                    .task("D", rows, FusedAttentionBackward::outputDots, out, a.dOut(), delta, d)
                    .task("dQ", a.blockRows(), FusedAttentionBackward::queryGradient, qkv, a.dOut(), lse, delta, dqkv,
                            a.seqStart(), heads, d, ld, w, 2 * w, 1)
                    .task("dKV", a.blockRows(), FusedAttentionBackward::keyValueGradient, qkv, a.dOut(), lse, delta, dqkv,
                            a.seqStart(), heads, d, ld, w, 2 * w, 1)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, dqkv);
            return new Case(name, count, a.flops(7), g);
        }
        int maxLen = seq;
        float[] p = new float[rows * maxLen];
        DenseAttention.scores(qkv, qkv, new float[1], p, a.seqStart(), heads, d, ld, w, AttentionMask.CAUSAL, maxLen, 0,
                rows);
        Softmax.softmax(p, p, maxLen, 0, rows);
        float[] dp = new float[rows * maxLen];
        float[] ds = new float[rows * maxLen];
        TaskGraph g = graph(name, qkv, a.dOut(), p, a.seqStart())
                .task("dV", rows, DenseAttentionBackward::valueGradient, p, a.dOut(), dqkv, a.seqStart(), heads, d, ld,
                        2 * w, maxLen)
                .task("dP", rows, DenseAttentionBackward::probabilityGradient, a.dOut(), qkv, dp, a.seqStart(), heads, d,
                        ld, 2 * w, maxLen)
                .task("dS", rows, Softmax::softmaxBackward, p, dp, ds, maxLen)
                .task("dQ", rows, DenseAttentionBackward::queryGradient, ds, qkv, dqkv, a.seqStart(), heads, d, ld, w,
                        maxLen)
                .task("dK", rows, DenseAttentionBackward::keyGradient, ds, qkv, dqkv, a.seqStart(), heads, d, ld, w,
                        maxLen)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, dqkv);
        return new Case(name, count, a.flops(4), g);
    }

    /** The fused forward that training runs: output and log-sum-exp. */
    static Case attentionForward(String name, int batch, int seq, int heads, int d, int count) {
        Attention a = Attention.of(batch, seq, heads, d);
        int w = a.width();
        float[] out = new float[a.tokens() * w];
        float[] lse = new float[a.tokens() * heads];
        TaskGraph g = graph(name, a.qkv(), a.seqStart()).task("attention", a.blockRows(), FusedAttention::attentionWithLse,
                a.qkv(), a.qkv(), a.qkv(), out, lse, a.seqStart(), heads, d, 3 * w, w, 2 * w, 1)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out, lse);
        return new Case(name, count, a.flops(2), g);
    }

    static Case layerNormBackward(int count, int n, int c) {
        float[] x = gaussian(n * c, 5);
        float[] gamma = gaussian(c, 6);
        float[] dOut = gaussian(n * c, 7);
        float[] dx = new float[n * c];
        float[] stats = new float[n * Norms.STATS];
        float[] dGamma = new float[c];
        float[] dBeta = new float[c];
        TaskGraph g = graph("ln", x, gamma, dOut, dx, dGamma, dBeta)
                .task("dx", n, Norms::layerNormBackward, x, gamma, dOut, dx, stats, c, 1e-5f)
                .task("dgamma", Elementwise.columnPanels(c), Norms::layerNormParamsBackward, x, stats, dOut, dGamma,
                        dBeta, n, c);
        return new Case("layernorm backward " + n + "x" + c, count, 0, g);
    }

    static Case biasGradient(String name, int count, int n, int c) {
        float[] x = gaussian(n * c, 8);
        float[] sums = new float[c];
        TaskGraph g = graph(name, x, sums).task("db", Elementwise.columnPanels(c), Elementwise::addColumnSums, x, sums, n,
                c);
        return new Case(name, count, 0, g);
    }

    static Case geluBackward(int count, int n, int c) {
        float[] x = gaussian(n * c, 9);
        float[] dOut = gaussian(n * c, 10);
        float[] dx = new float[n * c];
        TaskGraph g = graph("gelu", x, dOut).task("gelu'", n, Activations::activationBackward, x, dOut, dx, c,
                Activations.GELU_ERF);
        return new Case("gelu backward " + n + "x" + c, count, 0, g);
    }

    static Case crossEntropy(int n, int vocab) {
        float[] logits = gaussian(n * vocab, 11);
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            targets[i] = (i * 31) % vocab;
        }
        int[] count = {n};
        float[] losses = new float[n];
        float[] dLogits = new float[n * vocab];
        TaskGraph g = graph("ce", logits, targets, count).task("ce", n, CrossEntropy::softmaxCrossEntropy, logits,
                targets, count, losses, dLogits, vocab);
        return new Case("cross-entropy " + n + "x" + vocab, 1, 0, g);
    }

    static Case residual(int count, int n, int c) {
        float[] src = gaussian(n * c, 12);
        float[] dst = new float[n * c];
        TaskGraph g = graph("acc", src, dst).task("acc", n, Elementwise::accumulate, src, dst, c);
        return new Case("residual accumulate " + n + "x" + c, count, 0, g);
    }

    static Case embedding(int n, int vocab, int seq, int c) {
        int[] tokens = new int[n];
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = (i * 17) % vocab;
            positions[i] = i % seq;
        }
        float[] dOut = gaussian(n * c, 13);
        int[] offsets = new int[vocab + 1];
        int[] order = new int[n];
        int[] posOffsets = new int[seq + 1];
        int[] posOrder = new int[n];
        float[] dWte = new float[vocab * c];
        float[] dWpe = new float[seq * c];
        TaskGraph g = graph("emb", tokens, positions, dOut, dWte, dWpe)
                .task("index tokens", 1, Embeddings::indexRows, tokens, offsets, order, n, vocab)
                .task("dWte", vocab, Embeddings::tableBackward, dOut, offsets, order, dWte, c)
                .task("index positions", 1, Embeddings::indexRows, positions, posOffsets, posOrder, n, seq)
                .task("dWpe", seq, Embeddings::tableBackward, dOut, posOffsets, posOrder, dWpe, c);
        return new Case("embedding backward", 1, 0, g);
    }

    static Case adamW(int params) {
        float[] grad = gaussian(params, 14);
        float[] param = gaussian(params, 15);
        float[] m = new float[params];
        float[] v = new float[params];
        float[] schedule = new float[AdamW.SCHEDULE];
        AdamW.schedule(schedule, 1e-3, 0.9, 0.95, 10);
        int chunk = 4096;
        TaskGraph g = graph("adamw", grad, param, m, v, schedule).task("adamw", GradClip.chunks(params, chunk),
                AdamW::update, grad, param, m, v, schedule, 0.9f, 0.95f, 1e-8f, 0.1f, params, chunk);
        return new Case("adamw " + params, 1, 0, g);
    }

    static Case gradClip(int params) {
        float[] grad = gaussian(params, 16);
        int chunk = 4096;
        float[] partials = new float[GradClip.chunks(params, chunk)];
        TaskGraph g = graph("clip", grad).task("squares", GradClip.chunks(params, chunk), GradClip::squaredNorms, grad,
                partials, params, chunk, 0);
        return new Case("grad-clip squared norms " + params, 1, 0, g);
    }
}
