package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.padding.Padding;
import dev.squall.tasks.softmax.Softmax;
import dev.squall.tasks.testing.RandomArrays;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.squall.tornado.KernelCase.Built;
import static dev.squall.tornado.KernelCase.Output;

/**
 * The kernels the TornadoVM suite runs, by family, at small awkward shapes (every kernel compiles for a few
 * seconds on PoCL). {@link KernelCoverageTest} fails while a kernel of {@code tasks} has no case here: a
 * new kernel family adds a method below (or a class of its own, as {@link PatternKernelCases},
 * {@link CompressedKernelCases} and {@link TrainingKernelCases}) and lists it in {@link #all()}.
 */
final class KernelCases {
    private KernelCases() {
    }

    /** Every case of every family. */
    static List<KernelCase> all() {
        return Stream.of(norms(), softmax(), activations(), elementwise(), gemm(), denseAttention(), fusedAttention(),
                        paddedAttention(), padding(), PatternKernelCases.all(), CompressedKernelCases.all(),
                        TrainingKernelCases.all(), DecoderKernelCases.all(), TrainingMemoryKernelCases.all(),
                        PrepBnKernelCases.all())
                .flatMap(List::stream).toList();
    }

    static List<KernelCase> norms() {
        int rows = 5;
        int cols = 67;
        return List.of(
                new KernelCase("Norms.layerNorm rows=5 cols=67, rows on a large offset", r -> {
                    float[] x = r.gaussian(rows * cols, 300, 2);
                    float[] out = new float[rows * cols];
                    return new Built(new TaskGraph("layerNorm").task("ln", rows, Norms::layerNorm, x, r.gaussian(cols),
                            r.gaussian(cols), out, cols, 1e-5f), List.of(new Output("out", out, cols)));
                }),
                new KernelCase("Norms.addLayerNorm rows=5 cols=67", r -> {
                    float[] sum = new float[rows * cols];
                    float[] out = new float[rows * cols];
                    return new Built(new TaskGraph("addLayerNorm").task("addLn", rows, Norms::addLayerNorm,
                            r.gaussian(rows * cols), r.gaussian(rows * cols), r.gaussian(cols), r.gaussian(cols), sum,
                            out, cols, 1e-5f), List.of(new Output("sum", sum, cols), new Output("out", out, cols)));
                }),
                new KernelCase("Norms.rmsNorm rows=7 cols=33", r -> {
                    float[] out = new float[7 * 33];
                    return new Built(new TaskGraph("rmsNorm").task("rms", 7, Norms::rmsNorm, r.gaussian(7 * 33),
                            r.gaussian(33), out, 33, 1e-6f), List.of(new Output("out", out, 33)));
                }));
    }

    static List<KernelCase> softmax() {
        return List.of(new KernelCase("Softmax.softmax rows=6 cols=37, with -inf entries and a fully masked row", r -> {
            int rows = 6;
            int cols = 37;
            float[] x = r.gaussian(rows * cols, 0, 4);
            for (int i = 0; i < x.length; i += 5) {
                x[i] = Float.NEGATIVE_INFINITY;
            }
            java.util.Arrays.fill(x, 2 * cols, 3 * cols, Float.NEGATIVE_INFINITY);
            float[] out = new float[rows * cols];
            return new Built(new TaskGraph("softmax").task("softmax", rows, Softmax::softmax, x, out, cols),
                    List.of(new Output("out", out, cols)));
        }));
    }

    static List<KernelCase> activations() {
        int rows = 4;
        int cols = 29;
        String[] names = {"IDENTITY", "RELU", "GELU_ERF", "GELU_TANH", "SILU"};
        List<KernelCase> cases = new ArrayList<>();
        for (int kind = 0; kind < names.length; kind++) {
            int k = kind;
            cases.add(new KernelCase("Activations.activation " + names[k] + " rows=4 cols=29", r -> {
                float[] x = r.uniform(rows * cols, -12, 12);
                x[0] = -100f;
                float[] out = new float[rows * cols];
                return new Built(new TaskGraph("activation").task("act", rows, Activations::activation, x, out, cols, k),
                        List.of(new Output("out", out, cols)));
            }));
        }
        cases.add(new KernelCase("Activations.swiglu rows=3 cols=19", r -> {
            float[] out = new float[3 * 19];
            return new Built(new TaskGraph("swiglu").task("swiglu", 3, Activations::swiglu,
                    r.uniform(3 * 2 * 19, -8, 8), out, 19), List.of(new Output("out", out, 19)));
        }));
        return cases;
    }

    static List<KernelCase> elementwise() {
        int rows = 5;
        int cols = 23;
        return List.of(
                new KernelCase("Elementwise.add rows=5 cols=23", r -> {
                    float[] out = new float[rows * cols];
                    return new Built(new TaskGraph("add").task("add", rows, Elementwise::add, r.gaussian(rows * cols),
                            r.gaussian(rows * cols), out, cols), List.of(new Output("out", out, cols)));
                }),
                new KernelCase("Elementwise.addBias rows=5 cols=23", r -> {
                    float[] out = new float[rows * cols];
                    return new Built(new TaskGraph("addBias").task("bias", rows, Elementwise::addBias,
                            r.gaussian(rows * cols), r.gaussian(cols), out, cols), List.of(new Output("out", out, cols)));
                }));
    }

    static List<KernelCase> gemm() {
        return List.of(
                new KernelCase("Gemm.matmul +bias GELU_ERF M=9 N=13 K=37", r -> {
                    int m = 9, n = 13, k = 37;
                    float[] c = new float[m * n];
                    return new Built(new TaskGraph("matmul").task("mm", m, Gemm::matmul, r.gaussian(m * k),
                            r.gaussian(k * n), r.gaussian(n), c, n, k, 1, Activations.GELU_ERF),
                            List.of(new Output("c", c, n)));
                }),
                new KernelCase("Gemm.tiledMatmul +bias SILU tiles 4x8x16, tiledMatmulTransB +bias RELU tiles 5x7x11,"
                        + " M=17 N=33 K=67", r -> {
                    int m = 17, n = 33, k = 67;
                    float[] c = new float[m * n];
                    float[] cT = new float[m * n];
                    return new Built(new TaskGraph("tiledMatmul")
                            .task("tmm", (m + 3) / 4, Gemm::tiledMatmul, r.gaussian(m * k), r.gaussian(k * n),
                                    r.gaussian(n), c, m, n, k, 1, Activations.SILU, 4, 8, 16)
                            .task("tmmT", (m + 4) / 5, Gemm::tiledMatmulTransB, r.gaussian(m * k), r.gaussian(n * k),
                                    r.gaussian(n), cT, m, n, k, 1, Activations.RELU, 5, 7, 11),
                            List.of(new Output("c", c, n), new Output("cT", cT, n)));
                }),
                new KernelCase("Gemm.panelMatmul +bias GELU_TANH M=3 N=37 K=67 tiles 2x8x16", r -> {
                    int m = 3, n = 37, k = 67;
                    float[] c = new float[m * n];
                    return new Built(new TaskGraph("panelMatmul").task("pmm", (n + 7) / 8, Gemm::panelMatmul,
                            r.gaussian(m * k), r.gaussian(k * n), r.gaussian(n), c, m, n, k, 1, Activations.GELU_TANH,
                            2, 8, 16), List.of(new Output("c", c, n)));
                }));
    }

    /** Sequences of 5, 7 and 1 tokens. */
    private static final int[] SEQ_START = {0, 5, 12, 13};
    private static final int MAX_LEN = 7;
    private static final int HEADS = 2;
    private static final int HEAD_DIM = 8;

    static List<KernelCase> denseAttention() {
        int tokens = SEQ_START[SEQ_START.length - 1];
        int width = HEADS * HEAD_DIM;
        int rows = tokens * HEADS;
        return List.of(
                new KernelCase("DenseAttention.scores, Softmax.softmax, DenseAttention.weightedSum causal, separate Q K V,"
                        + " sequences 5 7 1, heads 2 d 8", r -> {
                    float[] scores = new float[rows * MAX_LEN];
                    float[] probs = new float[rows * MAX_LEN];
                    float[] out = new float[tokens * width];
                    float[] v = r.gaussian(tokens * width);
                    TaskGraph g = new TaskGraph("dense-causal")
                            .task("scores", rows, DenseAttention::scores, r.gaussian(tokens * width),
                                    r.gaussian(tokens * width), new float[1], scores, SEQ_START.clone(), HEADS, HEAD_DIM,
                                    width, 0, AttentionMask.CAUSAL, MAX_LEN)
                            .task("softmax", rows, Softmax::softmax, scores, probs, MAX_LEN)
                            .task("weightedSum", rows, DenseAttention::weightedSum, probs, v, out, SEQ_START.clone(),
                                    HEADS, HEAD_DIM, width, 0, MAX_LEN);
                    return new Built(g, List.of(new Output("scores", scores, MAX_LEN), new Output("out", out, width)));
                }),
                new KernelCase("DenseAttention.scores, Softmax.softmax, DenseAttention.weightedSum additive mask, packed"
                        + " QKV, sequences 5 7 1, heads 2 d 8", r -> {
                    float[] qkv = r.gaussian(tokens * 3 * width);
                    float[] mask = mask(r, MAX_LEN);
                    float[] scores = new float[rows * MAX_LEN];
                    float[] probs = new float[rows * MAX_LEN];
                    float[] out = new float[tokens * width];
                    int[] starts = SEQ_START.clone();
                    TaskGraph g = new TaskGraph("dense-mask")
                            .task("scores", rows, DenseAttention::scores, qkv, qkv, mask, scores, starts, HEADS, HEAD_DIM,
                                    3 * width, width, AttentionMask.ADDITIVE, MAX_LEN)
                            .task("softmax", rows, Softmax::softmax, scores, probs, MAX_LEN)
                            .task("weightedSum", rows, DenseAttention::weightedSum, probs, qkv, out, starts, HEADS,
                                    HEAD_DIM, 3 * width, 2 * width, MAX_LEN);
                    return new Built(g, List.of(new Output("scores", scores, MAX_LEN), new Output("out", out, width)));
                }));
    }

    static List<KernelCase> fusedAttention() {
        return List.of(
                new KernelCase("FusedAttention.attention causal, separate Q K V, sequences 5 19 1, heads 2 d 8", r -> {
                    int[] starts = {0, 5, 24, 25};
                    return fused(r, starts, 19, AttentionMask.CAUSAL, false);
                }),
                new KernelCase("FusedAttention.attention additive mask, packed QKV, sequences 70 3, heads 2 d 8", r -> {
                    int[] starts = {0, 70, 73};
                    return fused(r, starts, 70, AttentionMask.ADDITIVE, true);
                }));
    }

    private static Built fused(RandomArrays r, int[] starts, int maxLen, int maskFlags, boolean packed) {
        int tokens = starts[starts.length - 1];
        int width = HEADS * HEAD_DIM;
        float[] out = new float[tokens * width];
        float[] mask = (maskFlags & AttentionMask.ADDITIVE) != 0 ? mask(r, maxLen) : new float[1];
        int rows = FusedAttention.rows(starts, starts.length - 1, HEADS);
        TaskGraph g = new TaskGraph("fused");
        if (packed) {
            float[] qkv = r.gaussian(tokens * 3 * width);
            g.task("attention", rows, FusedAttention::attention, qkv, qkv, qkv, mask, out, starts, HEADS, HEAD_DIM,
                    3 * width, width, 2 * width, maskFlags, maxLen);
        } else {
            g.task("attention", rows, FusedAttention::attention, r.gaussian(tokens * width), r.gaussian(tokens * width),
                    r.gaussian(tokens * width), mask, out, starts, HEADS, HEAD_DIM, width, 0, 0, maskFlags, maxLen);
        }
        return new Built(g, List.of(new Output("out", out, width)));
    }

    /** The sequences of 5, 7 and 1 tokens padded to {@link #MAX_LEN} rows each. */
    private static final int[] PADDED_START = {0, 7, 14, 21};

    /** {@link AttentionMask#KEY_PADDING}: the sequences of {@link #SEQ_START} padded, padding keys hidden. */
    static List<KernelCase> paddedAttention() {
        int tokens = PADDED_START[PADDED_START.length - 1];
        int width = HEADS * HEAD_DIM;
        int rows = tokens * HEADS;
        return List.of(
                new KernelCase("DenseAttention.scores, Softmax.softmax, DenseAttention.weightedSum key padding, sequences"
                        + " 5 7 1 padded to 7, heads 2 d 8", r -> {
                    float[] qkv = r.gaussian(tokens * 3 * width);
                    float[] scores = new float[rows * MAX_LEN];
                    float[] probs = new float[rows * MAX_LEN];
                    float[] out = new float[tokens * width];
                    int[] starts = PADDED_START.clone();
                    TaskGraph g = new TaskGraph("dense-padded")
                            .task("scores", rows, DenseAttention::scores, qkv, qkv, keyPadding(), scores, starts, HEADS,
                                    HEAD_DIM, 3 * width, width, AttentionMask.KEY_PADDING, MAX_LEN)
                            .task("softmax", rows, Softmax::softmax, scores, probs, MAX_LEN)
                            .task("weightedSum", rows, DenseAttention::weightedSum, probs, qkv, out, starts, HEADS,
                                    HEAD_DIM, 3 * width, 2 * width, MAX_LEN);
                    return new Built(g, List.of(new Output("scores", scores, MAX_LEN), new Output("out", out, width)));
                }),
                new KernelCase("FusedAttention.attention causal, additive mask and key padding, sequences 5 7 1 padded"
                        + " to 7, heads 2 d 8", r -> {
                    float[] additive = mask(r, MAX_LEN);
                    float[] keys = keyPadding();
                    float[] mask = java.util.Arrays.copyOf(additive, additive.length + keys.length);
                    System.arraycopy(keys, 0, mask, additive.length, keys.length);
                    float[] out = new float[tokens * width];
                    int[] starts = PADDED_START.clone();
                    TaskGraph g = new TaskGraph("fused-padded").task("attention",
                            FusedAttention.rows(starts, starts.length - 1, HEADS), FusedAttention::attention,
                            r.gaussian(tokens * width), r.gaussian(tokens * width), r.gaussian(tokens * width), mask, out,
                            starts, HEADS, HEAD_DIM, width, 0, 0,
                            AttentionMask.CAUSAL | AttentionMask.ADDITIVE | AttentionMask.KEY_PADDING, MAX_LEN);
                    return new Built(g, List.of(new Output("out", out, width)));
                }));
    }

    /** The KEY_PADDING mask of {@link #PADDED_START}: 0 for the 5, 7 and 1 tokens, −∞ for the padding after them. */
    private static float[] keyPadding() {
        float[] mask = new float[PADDED_START[PADDED_START.length - 1]];
        for (int b = 0; b + 1 < SEQ_START.length; b++) {
            java.util.Arrays.fill(mask, b * MAX_LEN + SEQ_START[b + 1] - SEQ_START[b], (b + 1) * MAX_LEN,
                    Float.NEGATIVE_INFINITY);
        }
        return mask;
    }

    /** Conversion between padded and packed batches: sequences of 5, 0, 7 and 1 tokens padded to 7, rows of 19. */
    static List<KernelCase> padding() {
        int[] starts = {0, 5, 5, 12, 13};
        int maxLen = 7;
        int cols = 19;
        int tokens = starts[starts.length - 1];
        int padded = (starts.length - 1) * maxLen;
        return List.of(
                new KernelCase("Padding.pad sequences 5 0 7 1 padded to 7, cols 19", r -> {
                    float[] out = new float[padded * cols];
                    return new Built(new TaskGraph("pad").task("pad", padded, Padding::pad, r.gaussian(tokens * cols),
                            out, starts.clone(), cols, maxLen), List.of(new Output("padded", out, cols)));
                }),
                new KernelCase("Padding.unpad sequences 5 0 7 1 padded to 7, cols 19", r -> {
                    float[] out = new float[tokens * cols];
                    return new Built(new TaskGraph("unpad").task("unpad", tokens, Padding::unpad,
                            r.gaussian(padded * cols), out, starts.clone(), cols, maxLen),
                            List.of(new Output("packed", out, cols)));
                }),
                new KernelCase("Padding.zeroPadding sequences 5 0 7 1 padded to 7, cols 19", r -> {
                    float[] out = new float[padded * cols];
                    return new Built(new TaskGraph("zeroPadding").task("zero", padded, Padding::zeroPadding,
                            r.gaussian(padded * cols), out, starts.clone(), cols, maxLen),
                            List.of(new Output("out", out, cols)));
                }));
    }

    /** An additive {@code [n, n]} mask: small values, and −∞ on every seventh entry off the diagonal. */
    static float[] mask(RandomArrays r, int n) {
        float[] mask = r.gaussian(n * n, 0, 0.5);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j && (i * n + j) % 7 == 3) {
                    mask[i * n + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return mask;
    }
}
