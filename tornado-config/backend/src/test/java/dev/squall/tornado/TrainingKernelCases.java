package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.attention.DenseAttentionBackward;
import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.attention.FusedAttentionBackward;
import dev.squall.tasks.attention.LinearAttention;
import dev.squall.tasks.attention.LinearAttentionBackward;
import dev.squall.tasks.attention.WindowAttention;
import dev.squall.tasks.attention.WindowAttentionBackward;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.embedding.Embeddings;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.optim.AdamW;
import dev.squall.tasks.optim.GradClip;
import dev.squall.tasks.softmax.CrossEntropy;
import dev.squall.tasks.softmax.Softmax;
import dev.squall.tasks.testing.RandomArrays;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.squall.tornado.KernelCase.Built;
import static dev.squall.tornado.KernelCase.Output;

/**
 * The training kernels: embedding, LayerNorm, linear-layer (dW, db), activation, softmax and attention backward,
 * the cross-entropy loss, AdamW and gradient clipping. A kernel that accumulates into its output ({@code +=}) gets
 * that output set up on the device by two tasks before it, {@code Elementwise.fill} to zero and
 * {@code Elementwise.accumulate} of random initial values, as a training graph clears and accumulates its
 * gradients; the suite transfers only arrays no task writes. The attention gradients are written by several tasks
 * into the columns of one packed {@code dqkv} array, as a training graph hands them to the QKV projection.
 */
final class TrainingKernelCases {
    /** Sequences of 5, 19 and 1 tokens (a query block of 16 and a partial one; T = 1). */
    private static final int[] STARTS = {0, 5, 24, 25};
    private static final int MAX_LEN = 19;
    private static final int HEADS = 2;
    private static final int HEAD_DIM = 8;

    private TrainingKernelCases() {
    }

    /** Every case of these families. */
    static List<KernelCase> all() {
        return Stream.of(embeddings(), norms(), linear(), activations(), elementwise(), loss(), attention(), optimizer())
                .flatMap(List::stream).toList();
    }

    /** Adds tasks that set {@code target} ({@code rows × cols}) to {@code initial} on the device: fill 0, accumulate. */
    static TaskGraph start(TaskGraph g, String name, float[] target, float[] initial, int rows, int cols) {
        return g.task(name + "Zero", rows, Elementwise::fill, target, cols, 0f)
                .task(name + "Init", rows, Elementwise::accumulate, initial, target, cols);
    }

    static List<KernelCase> embeddings() {
        int n = 23;
        int vocab = 11;
        int blockSize = 7;
        int channels = 19;
        return List.of(
                new KernelCase("Embeddings.tokenPosition n=23 V=11 T=7 C=19", r -> {
                    float[] out = new float[n * channels];
                    return new Built(new TaskGraph("embed").task("embed", n, Embeddings::tokenPosition, ids(r, n, vocab),
                            ids(r, n, blockSize), r.gaussian(vocab * channels), r.gaussian(blockSize * channels), out,
                            channels), List.of(new Output("out", out, channels)));
                }),
                new KernelCase("Embeddings.indexRows, tableBackward for tokens and positions n=23 V=11 T=7 C=19", r -> {
                    int[] tokens = ids(r, n, vocab);
                    int[] positions = ids(r, n, blockSize);
                    float[] dOut = r.gaussian(n * channels);
                    int[] tokenOffsets = new int[vocab + 1];
                    int[] tokenOrder = new int[n];
                    int[] positionOffsets = new int[blockSize + 1];
                    int[] positionOrder = new int[n];
                    float[] dWte = new float[vocab * channels];
                    float[] dWpe = new float[blockSize * channels];
                    TaskGraph g = new TaskGraph("embedBackward");
                    start(g, "dWte", dWte, r.gaussian(vocab * channels), vocab, channels);
                    start(g, "dWpe", dWpe, r.gaussian(blockSize * channels), blockSize, channels);
                    g.task("indexTokens", 1, Embeddings::indexRows, tokens, tokenOffsets, tokenOrder, n, vocab)
                            .task("wteBackward", vocab, Embeddings::tableBackward, dOut, tokenOffsets, tokenOrder, dWte,
                                    channels)
                            .task("indexPositions", 1, Embeddings::indexRows, positions, positionOffsets, positionOrder, n,
                                    blockSize)
                            .task("wpeBackward", blockSize, Embeddings::tableBackward, dOut, positionOffsets, positionOrder,
                                    dWpe, channels);
                    return new Built(g, List.of(Output.exact("tokenOffsets", tokenOffsets, vocab + 1),
                            Output.exact("tokenOrder", tokenOrder, n), Output.exact("positionOrder", positionOrder, n),
                            new Output("dWte", dWte, channels), new Output("dWpe", dWpe, channels)));
                }));
    }

    static List<KernelCase> norms() {
        int rows = 5;
        int cols = 67;
        return List.of(new KernelCase("Norms.layerNormBackward, layerNormParamsBackward rows=5 cols=67, one row on a large"
                + " offset", r -> {
            float[] x = r.gaussian(rows * cols);
            for (int c = 0; c < cols; c++) {
                x[2 * cols + c] = x[2 * cols + c] * 0.1f + 300f;
            }
            float[] dx = new float[rows * cols];
            float[] stats = new float[rows * Norms.STATS];
            float[] dGamma = new float[cols];
            float[] dBeta = new float[cols];
            float[] dOut = r.gaussian(rows * cols);
            TaskGraph g = new TaskGraph("layerNormBackward");
            start(g, "dx", dx, r.gaussian(rows * cols), rows, cols);
            start(g, "dGamma", dGamma, r.gaussian(cols), 1, cols);
            start(g, "dBeta", dBeta, r.gaussian(cols), 1, cols);
            g.task("lnBackward", rows, Norms::layerNormBackward, x, r.gaussian(cols, 1, 0.5), dOut, dx, stats, cols, 1e-5f)
                    .task("lnParams", Elementwise.columnPanels(cols), Norms::layerNormParamsBackward, x, stats, dOut,
                            dGamma, dBeta, rows, cols);
            return new Built(g, List.of(new Output("dx", dx, cols), new Output("stats", stats, Norms.STATS),
                    new Output("dGamma", dGamma, cols), new Output("dBeta", dBeta, cols)));
        }));
    }

    static List<KernelCase> linear() {
        int m = 17;
        int n = 33;
        int k = 67;
        return List.of(
                new KernelCase("Gemm.matmulTransA M=17 N=33 K=67, accumulating", r -> {
                    float[] c = new float[n * k];
                    TaskGraph g = start(new TaskGraph("matmulTransA"), "c", c, r.gaussian(n * k), n, k)
                            .task("mmTA", n, Gemm::matmulTransA, r.gaussian(m * n), r.gaussian(m * k), c, m, n, k);
                    return new Built(g, List.of(new Output("c", c, k)));
                }),
                new KernelCase("Gemm.tiledMatmulTransA M=17 N=33 K=67 tiles 5x7x11, accumulating", r -> {
                    float[] c = new float[n * k];
                    TaskGraph g = start(new TaskGraph("tiledMatmulTransA"), "c", c, r.gaussian(n * k), n, k)
                            .task("tmmTA", (n + 6) / 7, Gemm::tiledMatmulTransA, r.gaussian(m * n), r.gaussian(m * k), c,
                                    m, n, k, 5, 7, 11);
                    return new Built(g, List.of(new Output("c", c, k)));
                }),
                new KernelCase("Elementwise.addColumnSums rows=17 cols=67 (a bias gradient), accumulating", r -> {
                    float[] sums = new float[k];
                    TaskGraph g = start(new TaskGraph("columnSums"), "sums", sums, r.gaussian(k), 1, k)
                            .task("colSums", Elementwise.columnPanels(k), Elementwise::addColumnSums, r.gaussian(m * k),
                                    sums, m, k);
                    return new Built(g, List.of(new Output("sums", sums, k)));
                }));
    }

    static List<KernelCase> activations() {
        int rows = 4;
        int cols = 29;
        return List.of(new KernelCase("Activations.activationBackward IDENTITY, RELU, GELU_ERF, GELU_TANH, SILU rows=4"
                + " cols=29", r -> {
            float[] x = r.uniform(rows * cols, -12, 12);
            x[0] = -100f;
            x[1] = 0f;
            x[2] = 1e20f;
            float[] dOut = r.gaussian(rows * cols);
            TaskGraph g = new TaskGraph("activationBackward");
            List<Output> outputs = new ArrayList<>();
            for (int kind = Activations.IDENTITY; kind <= Activations.SILU; kind++) {
                float[] dx = new float[rows * cols];
                g.task("kind" + kind, rows, Activations::activationBackward, x, dOut, dx, cols, kind);
                outputs.add(new Output("dx of kind " + kind, dx, cols));
            }
            return new Built(g, outputs);
        }));
    }

    static List<KernelCase> elementwise() {
        int rows = 5;
        int cols = 23;
        return List.of(new KernelCase("Elementwise.fill, accumulate rows=5 cols=23", r -> {
            float[] dst = new float[rows * cols];
            TaskGraph g = start(new TaskGraph("accumulate"), "dst", dst, r.gaussian(rows * cols), rows, cols)
                    .task("again", rows, Elementwise::accumulate, r.gaussian(rows * cols), dst, cols);
            return new Built(g, List.of(new Output("dst", dst, cols)));
        }));
    }

    static List<KernelCase> loss() {
        int rows = 9;
        int vocab = 65;
        return List.of(
                new KernelCase("Softmax.softmaxBackward rows=6 cols=37, with masked entries", r -> {
                    float[] x = r.gaussian(6 * 37, 0, 3);
                    for (int i = 0; i < x.length; i += 5) {
                        x[i] = Float.NEGATIVE_INFINITY;
                    }
                    float[] p = new float[x.length];
                    float[] dx = new float[x.length];
                    TaskGraph g = new TaskGraph("softmaxBackward").task("softmax", 6, Softmax::softmax, x, p, 37)
                            .task("softmaxBackward", 6, Softmax::softmaxBackward, p, r.gaussian(x.length), dx, 37);
                    return new Built(g, List.of(new Output("dx", dx, 37)));
                }),
                new KernelCase("CrossEntropy.countTargets, softmaxCrossEntropy, meanLoss rows=9 vocab=65, 2 targets"
                        + " ignored, one row around 1e4", r -> {
                    float[] logits = r.gaussian(rows * vocab, 0, 3);
                    for (int c = 0; c < vocab; c++) {
                        logits[4 * vocab + c] += 1e4f;
                    }
                    int[] targets = ids(r, rows, vocab);
                    targets[2] = CrossEntropy.IGNORE;
                    targets[7] = CrossEntropy.IGNORE;
                    int[] count = new int[1];
                    float[] losses = new float[rows];
                    float[] dLogits = new float[rows * vocab];
                    float[] mean = new float[1];
                    TaskGraph g = new TaskGraph("crossEntropy")
                            .task("count", 1, CrossEntropy::countTargets, targets, count, rows)
                            .task("ce", rows, CrossEntropy::softmaxCrossEntropy, logits, targets, count, losses, dLogits,
                                    vocab)
                            .task("mean", 1, CrossEntropy::meanLoss, losses, count, mean, rows);
                    return new Built(g, List.of(Output.exact("count", count, 1), new Output("losses", losses, 1),
                            new Output("dLogits", dLogits, vocab), new Output("mean", mean, 1)));
                }));
    }

    static List<KernelCase> attention() {
        return List.of(
                new KernelCase("DenseAttentionBackward valueGradient, probabilityGradient, Softmax.softmaxBackward,"
                        + " queryGradient, keyGradient causal, packed QKV into one dqkv, sequences 5 19 1, heads 2 d 8",
                        TrainingKernelCases::unfused),
                new KernelCase("FusedAttention.attentionWithLse, FusedAttentionBackward outputDots, queryGradient,"
                        + " keyValueGradient causal, packed QKV, sequences 5 19 1, heads 2 d 8",
                        r -> fused(r, STARTS, 1, Integer.MAX_VALUE)),
                new KernelCase("FusedAttention.attentionWithLse, FusedAttentionBackward outputDots, queryGradient,"
                        + " keyValueGradient not causal, packed QKV, sequences 70 3, heads 2 d 8",
                        r -> fused(r, new int[] {0, 70, 73}, 0, Integer.MAX_VALUE)),
                new KernelCase("WindowAttention.attentionWithLse, WindowAttentionBackward queryGradient, keyValueGradient"
                        + " causal radius 6, packed QKV, sequences 5 19 1, heads 2 d 8", r -> fused(r, STARTS, 1, 6)),
                new KernelCase("WindowAttention.attentionWithLse, WindowAttentionBackward queryGradient, keyValueGradient"
                        + " causal radius 20, packed QKV, sequences 90 3, heads 2 d 8",
                        r -> fused(r, new int[] {0, 90, 93}, 1, 20)),
                new KernelCase("WindowAttention.attentionWithLse, WindowAttentionBackward queryGradient, keyValueGradient"
                        + " not causal radius 17, packed QKV, sequences 70 3, heads 2 d 8",
                        r -> fused(r, new int[] {0, 70, 73}, 0, 17)),
                new KernelCase("LinearAttention.causalScan, LinearAttentionBackward causalQueryGradient,"
                        + " causalKeyValueGradient, packed QKV, sequences 5 19 1, heads 2 d 8", TrainingKernelCases::linear));
    }

    private static Built linear(RandomArrays r) {
        int tokens = STARTS[STARTS.length - 1];
        int width = HEADS * HEAD_DIM;
        int ld = 3 * width;
        int rows = (STARTS.length - 1) * HEADS;
        float[] qkv = r.gaussian(tokens * ld);
        float[] state = new float[LinearAttention.stateSize(STARTS.length - 1, HEADS, HEAD_DIM)];
        float[] out = new float[tokens * width];
        float[] coef = new float[LinearAttentionBackward.coefficientSize(tokens, HEADS)];
        float[] dqkv = new float[tokens * ld];
        float[] dOut = r.gaussian(tokens * width);
        int[] seqStart = STARTS.clone();
        TaskGraph g = new TaskGraph("linearBackward")
                .task("forward", rows, LinearAttention::causalScan, qkv, qkv, qkv, state, out, seqStart, HEADS, HEAD_DIM,
                        ld, width, 2 * width)
                .task("dq", rows, LinearAttentionBackward::causalQueryGradient, qkv, out, dOut, state, coef, dqkv,
                        seqStart, HEADS, HEAD_DIM, ld, width, 2 * width)
                .task("dkv", rows, LinearAttentionBackward::causalKeyValueGradient, qkv, dOut, coef, state, dqkv,
                        seqStart, HEADS, HEAD_DIM, ld, width, 2 * width);
        return new Built(g, List.of(new Output("out", out, width), new Output("coef", coef, 2 * HEADS),
                new Output("state", state, HEAD_DIM * HEAD_DIM + HEAD_DIM), new Output("dqkv", dqkv, ld)));
    }

    private static Built unfused(RandomArrays r) {
        int tokens = STARTS[STARTS.length - 1];
        int width = HEADS * HEAD_DIM;
        int ld = 3 * width;
        int rows = tokens * HEADS;
        float[] qkv = r.gaussian(tokens * ld);
        float[] scores = new float[rows * MAX_LEN];
        float[] p = new float[rows * MAX_LEN];
        float[] dp = new float[rows * MAX_LEN];
        float[] ds = new float[rows * MAX_LEN];
        float[] dOut = r.gaussian(tokens * width);
        float[] dqkv = new float[tokens * ld];
        int[] starts = STARTS.clone();
        TaskGraph g = new TaskGraph("denseBackward")
                .task("scores", rows, DenseAttention::scores, qkv, qkv, new float[1], scores, starts, HEADS, HEAD_DIM, ld,
                        width, AttentionMask.CAUSAL, MAX_LEN)
                .task("softmax", rows, Softmax::softmax, scores, p, MAX_LEN)
                .task("dv", rows, DenseAttentionBackward::valueGradient, p, dOut, dqkv, starts, HEADS, HEAD_DIM, ld,
                        2 * width, MAX_LEN)
                .task("dp", rows, DenseAttentionBackward::probabilityGradient, dOut, qkv, dp, starts, HEADS, HEAD_DIM, ld,
                        2 * width, MAX_LEN)
                .task("ds", rows, Softmax::softmaxBackward, p, dp, ds, MAX_LEN)
                .task("dq", rows, DenseAttentionBackward::queryGradient, ds, qkv, dqkv, starts, HEADS, HEAD_DIM, ld, width,
                        MAX_LEN)
                .task("dk", rows, DenseAttentionBackward::keyGradient, ds, qkv, dqkv, starts, HEADS, HEAD_DIM, ld, width,
                        MAX_LEN);
        return new Built(g, List.of(new Output("dp", dp, MAX_LEN), new Output("dqkv", dqkv, ld)));
    }

    /** Fused attention forward with log-sum-exp and backward: dense for radius {@code Integer.MAX_VALUE}, else the window kernels. */
    private static Built fused(RandomArrays r, int[] starts, int causal, int radius) {
        int tokens = starts[starts.length - 1];
        int width = HEADS * HEAD_DIM;
        int ld = 3 * width;
        int blocks = FusedAttention.rows(starts, starts.length - 1, HEADS);
        float[] qkv = r.gaussian(tokens * ld);
        float[] out = new float[tokens * width];
        float[] lse = new float[tokens * HEADS];
        float[] delta = new float[tokens * HEADS];
        float[] dqkv = new float[tokens * ld];
        float[] dOut = r.gaussian(tokens * width);
        int[] seqStart = starts.clone();
        TaskGraph g = new TaskGraph("fusedBackward");
        if (radius == Integer.MAX_VALUE) {
            g.task("forward", blocks, FusedAttention::attentionWithLse, qkv, qkv, qkv, out, lse, seqStart, HEADS,
                    HEAD_DIM, ld, width, 2 * width, causal);
        } else {
            g.task("forward", blocks, WindowAttention::attentionWithLse, qkv, qkv, qkv, out, lse, seqStart, HEADS,
                    HEAD_DIM, ld, width, 2 * width, causal, radius);
        }
        g.task("dots", tokens * HEADS, FusedAttentionBackward::outputDots, out, dOut, delta, HEAD_DIM);
        if (radius == Integer.MAX_VALUE) {
            g.task("dq", blocks, FusedAttentionBackward::queryGradient, qkv, dOut, lse, delta, dqkv, seqStart, HEADS,
                    HEAD_DIM, ld, width, 2 * width, causal)
                    .task("dkv", blocks, FusedAttentionBackward::keyValueGradient, qkv, dOut, lse, delta, dqkv, seqStart,
                            HEADS, HEAD_DIM, ld, width, 2 * width, causal);
        } else {
            g.task("dq", blocks, WindowAttentionBackward::queryGradient, qkv, dOut, lse, delta, dqkv, seqStart, HEADS,
                    HEAD_DIM, ld, width, 2 * width, causal, radius)
                    .task("dkv", blocks, WindowAttentionBackward::keyValueGradient, qkv, dOut, lse, delta, dqkv, seqStart,
                            HEADS, HEAD_DIM, ld, width, 2 * width, causal, radius);
        }
        return new Built(g, List.of(new Output("out", out, width), new Output("lse", lse, HEADS),
                new Output("delta", delta, HEADS), new Output("dqkv", dqkv, ld)));
    }

    static List<KernelCase> optimizer() {
        int length = 203;
        int chunk = 16;
        return List.of(
                new KernelCase("AdamW.update length=203 chunk=16 step 3 wd 0.1", r -> {
                    float[] param = new float[length];
                    float[] m = new float[length];
                    float[] v = new float[length];
                    float[] schedule = new float[AdamW.SCHEDULE];
                    AdamW.schedule(schedule, 1e-3, 0.9, 0.95, 3);
                    TaskGraph g = new TaskGraph("adamw");
                    start(g, "param", param, r.gaussian(length, 0, 0.2), 1, length);
                    start(g, "m", m, r.gaussian(length, 0, 0.01), 1, length);
                    start(g, "v", v, r.uniform(length, 0, 1e-4), 1, length);
                    g.task("update", GradClip.chunks(length, chunk), AdamW::update, r.gaussian(length, 0, 0.01), param, m,
                            v, schedule, 0.9f, 0.95f, 1e-8f, 0.1f, length, chunk);
                    return new Built(g, List.of(new Output("param", param, length), new Output("m", m, length),
                            new Output("v", v, length)));
                }),
                new KernelCase("GradClip.squaredNorms, clipCoefficient, scaleGradients over tensors of 37 and 203, chunk 16",
                        r -> {
                    int a = 37;
                    float[] g1 = new float[a];
                    float[] g2 = new float[length];
                    int slots1 = GradClip.chunks(a, chunk);
                    int slots = slots1 + GradClip.chunks(length, chunk);
                    float[] partials = new float[slots];
                    float[] norm = new float[2];
                    TaskGraph g = new TaskGraph("gradClip");
                    start(g, "g1", g1, r.gaussian(a), 1, a);
                    start(g, "g2", g2, r.gaussian(length, 0, 0.5), 1, length);
                    g.task("norm1", slots1, GradClip::squaredNorms, g1, partials, a, chunk, 0)
                            .task("norm2", slots - slots1, GradClip::squaredNorms, g2, partials, length, chunk, slots1)
                            .task("coefficient", 1, GradClip::clipCoefficient, partials, norm, slots, 1f)
                            .task("scale1", slots1, GradClip::scaleGradients, g1, norm, a, chunk)
                            .task("scale2", slots - slots1, GradClip::scaleGradients, g2, norm, length, chunk);
                    return new Built(g, List.of(new Output("partials", partials, slots), new Output("norm", norm, 2),
                            new Output("g1", g1, a), new Output("g2", g2, length)));
                }));
    }

    /** {@code n} indices in {@code [0, rows)}. */
    static int[] ids(RandomArrays r, int n, int rows) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(0, rows - 1);
        }
        return ids;
    }
}
