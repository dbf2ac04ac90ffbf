package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.precision.BFloat16;
import dev.squall.tasks.precision.DenseGemm;
import dev.squall.tasks.precision.Half;
import dev.squall.tasks.quant.Binary;
import dev.squall.tasks.quant.BlockQ4;
import dev.squall.tasks.quant.BlockQ8;
import dev.squall.tasks.quant.Int8Activations;
import dev.squall.tasks.quant.Int8KvAttention;
import dev.squall.tasks.quant.Int8Weights;
import dev.squall.tasks.quant.Ternary;
import dev.squall.tasks.quant.TernaryA8;
import dev.squall.tasks.sparse.Csr;
import dev.squall.tasks.sparse.Sparse24;
import dev.squall.tasks.testing.RandomArrays;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.squall.tornado.KernelCase.Built;
import static dev.squall.tornado.KernelCase.Output;

/**
 * The compressed-weight kernels: quantised GEMMs ({@code dev.squall.tasks.quant}: Q8_0, Q4_0, int8 per group,
 * ternary, binary, int8 × int8 with and without outlier columns), the int8 KV-cache attention, fp16 and bf16
 * conversions and GEMMs ({@code .precision}) and pruned GEMMs ({@code .sparse}). GEMMs are {@code m=3}
 * activation rows (a GEMV, {@code m=1}, for Q4_0), {@code n=13} outputs, {@code k=67} inputs (not a multiple
 * of the 32-weight blocks; 68 for 2:4), over random packed weights; quantised codes and fp16/bf16 bits must be
 * identical to the JVM backend's, as the default build's tests require them to be exact.
 */
final class CompressedKernelCases {
    private static final int M = 3;
    private static final int N = 13;
    private static final int K = 67;
    /** Blocks (or 32-bit words) per row of {@link #K} weights. */
    private static final int BLOCKS = (K + 31) / 32;
    private static final String SHAPE = " M=3 N=13 K=67";

    private CompressedKernelCases() {
    }

    /** Every case of these families. */
    static List<KernelCase> all() {
        return Stream.of(quantGemm(), int8Activations(), List.of(ternaryA8(), q4TimesQ8()), int8KvAttention(),
                precision(), sparse())
                .flatMap(List::stream).toList();
    }

    /** A GEMM case: {@code y[m, N]} from the task {@code gemm} adds to a graph. */
    private interface Gemm {
        void add(TaskGraph g, RandomArrays r, float[] x, float[] bias, float[] y);
    }

    private static KernelCase gemm(String name, int m, int k, Gemm gemm) {
        return new KernelCase(name, r -> {
            float[] y = new float[m * N];
            TaskGraph g = new TaskGraph("gemm");
            gemm.add(g, r, r.gaussian(m * k), r.gaussian(N), y);
            return new Built(g, List.of(new Output("y", y, N)));
        });
    }

    static List<KernelCase> quantGemm() {
        return List.of(
                gemm("BlockQ8.gemm +bias GELU_ERF" + SHAPE, M, K, (g, r, x, bias, y) -> g.task("q8", N, BlockQ8::gemm,
                        x, codes(r, N * BLOCKS * 32), halves(r, N * BLOCKS, 1e-3, 2e-2), bias, y, M, N, K, 1,
                        Activations.GELU_ERF)),
                gemm("BlockQ4.gemm GEMV no bias IDENTITY M=1 N=13 K=67", 1, K, (g, r, x, bias, y) -> g.task("q4", N,
                        BlockQ4::gemm, x, randomBytes(r, N * BLOCKS * 16), halves(r, N * BLOCKS, -2e-2, 2e-2), bias, y,
                        1, N, K, 0, Activations.IDENTITY)),
                gemm("Int8Weights.gemm groups of 16 +bias SILU" + SHAPE, M, K, (g, r, x, bias, y) -> g.task("int8", N,
                        Int8Weights::gemm, x, codes(r, N * K), r.uniform(N * ((K + 15) / 16), 1e-3, 2e-2), bias, y,
                        M, N, K, 16, 1, Activations.SILU)),
                gemm("Ternary.gemm +bias RELU" + SHAPE, M, K, (g, r, x, bias, y) -> g.task("ternary", N, Ternary::gemm,
                        x, ternaryPlanes(r), r.uniform(N, 0.01, 0.1), bias, y, M, N, K, 1, Activations.RELU)),
                gemm("Binary.gemm +bias GELU_TANH" + SHAPE, M, K, (g, r, x, bias, y) -> g.task("binary", N,
                        Binary::gemm, x, randomInts(r, N * BLOCKS), r.uniform(N, 0.01, 0.1), bias, y, M, N, K, 1,
                        Activations.GELU_TANH)));
    }

    /** Symmetric int8 codes, {@code -127 .. 127}. */
    private static byte[] codes(RandomArrays r, int n) {
        byte[] q = new byte[n];
        for (int i = 0; i < n; i++) {
            q[i] = (byte) r.nextInt(-127, 127);
        }
        return q;
    }

    private static byte[] randomBytes(RandomArrays r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(-128, 127);
        }
        return b;
    }

    private static int[] randomInts(RandomArrays r, int n) {
        int[] words = new int[n];
        for (int i = 0; i < n; i++) {
            words[i] = r.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE - 1);
        }
        return words;
    }

    /** fp16 scales drawn uniformly from {@code [lo, hi)}. */
    private static short[] halves(RandomArrays r, int n, double lo, double hi) {
        float[] v = r.uniform(n, lo, hi);
        short[] h = new short[n];
        for (int i = 0; i < n; i++) {
            h[i] = Half.fromFloat(v[i]);
        }
        return h;
    }

    /** The "+1" and "−1" planes of random ternary weights: disjoint bits. */
    private static int[] ternaryPlanes(RandomArrays r) {
        int[] planes = randomInts(r, N * BLOCKS * 2);
        for (int w = 0; w < N * BLOCKS; w++) {
            planes[2 * w + 1] &= ~planes[2 * w];
        }
        return planes;
    }

    /**
     * The int8 × int8 chain: outlier columns (threshold 3 over x ~ N(0, 1) with two planted outliers), activations
     * quantised per row, then the GEMM with the outliers in fp32; and with no outliers (threshold 1e30), the
     * plain integer GEMM.
     */
    static List<KernelCase> int8Activations() {
        List<KernelCase> cases = new ArrayList<>();
        for (boolean outliers : new boolean[] {true, false}) {
            String gemm = outliers ? "Int8Activations.gemmWithOutliers threshold 3" : "Int8Activations.gemm no outliers";
            cases.add(new KernelCase("Int8Activations.outlierColumns, Int8Activations.quantizeRows, " + gemm
                    + " +bias GELU_ERF" + SHAPE, r -> {
                float[] x = r.gaussian(M * K);
                x[K + 5] = 9f;
                x[2 * K + 40] = -7f;
                int[] flags = new int[K];
                byte[] qx = new byte[M * K];
                float[] sx = new float[M];
                float[] y = new float[M * N];
                byte[] qw = codes(r, N * K);
                float[] sw = r.uniform(N, 1e-3, 2e-2);
                float[] bias = r.gaussian(N);
                TaskGraph g = new TaskGraph("w8a8")
                        .task("outliers", K, Int8Activations::outlierColumns, x, flags, M, K, outliers ? 3f : 1e30f)
                        .task("quantize", M, Int8Activations::quantizeRows, x, flags, qx, sx, K);
                if (outliers) {
                    g.task("gemm", N, Int8Activations::gemmWithOutliers, qx, sx, x, flags, qw, sw, bias, y, M, N, K, 1,
                            Activations.GELU_ERF);
                } else {
                    g.task("gemm", N, Int8Activations::gemm, qx, sx, qw, sw, bias, y, M, N, K, 1, Activations.GELU_ERF);
                }
                return new Built(g, List.of(Output.exact("flags", flags, K), Output.exact("qx", qx, K),
                        new Output("sx", sx, 1), new Output("y", y, N)));
            }));
        }
        return cases;
    }

    /**
     * W1.58A8: activations quantised per row, then the ternary GEMM over random 2-bit codes (0..2) with
     * {@code k = 200}: one whole 128-weight group and a partial one.
     */
    static KernelCase ternaryA8() {
        int k = 200;
        int groups = (k + TernaryA8.GROUP - 1) / TernaryA8.GROUP;
        return new KernelCase("Int8Activations.quantizeRows, TernaryA8.gemm +bias RELU M=3 N=13 K=200", r -> {
            float[] x = r.gaussian(M * k);
            int[] flags = new int[k];
            byte[] qx = new byte[M * k];
            float[] sx = new float[M];
            float[] y = new float[M * N];
            int[] codes = new int[N * groups * TernaryA8.GROUP_WORDS];
            for (int i = 0; i < codes.length; i++) {
                for (int f = 0; f < 16; f++) {
                    codes[i] |= r.nextInt(0, 2) << (2 * f);
                }
            }
            float[] scales = r.uniform(N, 1e-2, 1e-1);
            float[] bias = r.gaussian(N);
            TaskGraph g = new TaskGraph("ternaryA8")
                    .task("quantize", M, Int8Activations::quantizeRows, x, flags, qx, sx, k)
                    .task("gemm", N, TernaryA8::gemm, qx, sx, codes, scales, bias, y, M, N, k, 1, Activations.RELU);
            return new Built(g, List.of(Output.exact("qx", qx, k), new Output("sx", sx, 1), new Output("y", y, N)));
        });
    }

    /**
     * Q4_0 × Q8_0: activations quantised into Q8_0 blocks (an all-zero block and a partial last block among
     * them), then the integer-sum GEMM over random nibbles and fp16 scales.
     */
    static KernelCase q4TimesQ8() {
        return new KernelCase("BlockQ8.quantizeRows, BlockQ4.gemmQ8 +bias SILU" + SHAPE, r -> {
            float[] x = r.gaussian(M * K);
            for (int p = 32; p < 64; p++) {
                x[K + p] = 0f;
            }
            byte[] xq = new byte[M * BLOCKS * 32];
            short[] xd = new short[M * BLOCKS];
            float[] y = new float[M * N];
            TaskGraph g = new TaskGraph("q4q8")
                    .task("quantize", M, BlockQ8::quantizeRows, x, xq, xd, K)
                    .task("gemm", N, BlockQ4::gemmQ8, xq, xd, randomBytes(r, N * BLOCKS * 16),
                            halves(r, N * BLOCKS, -2e-2, 2e-2), r.gaussian(N), y, M, N, K, 1, Activations.SILU);
            return new Built(g, List.of(Output.exact("xq", xq, BLOCKS * 32), Output.exact("xd", xd, BLOCKS),
                    new Output("y", y, N)));
        });
    }

    /**
     * K and V quantised into int8 caches from a packed QKV projection, then attention over them: causal with an
     * additive mask, and without masks; sequences of 5, 19 and 1 tokens, 2 heads of 8.
     */
    static List<KernelCase> int8KvAttention() {
        List<KernelCase> cases = new ArrayList<>();
        for (int flags : new int[] {AttentionMask.CAUSAL | AttentionMask.ADDITIVE, 0}) {
            String masks = flags == 0 ? "no mask" : "causal, additive mask";
            cases.add(new KernelCase("Int8KvAttention.quantizeHeads K and V, Int8KvAttention.attention " + masks
                    + ", sequences 5 19 1, heads 2 d 8", r -> {
                int[] starts = {0, 5, 24, 25};
                int maxLen = 19;
                int heads = 2;
                int d = 8;
                int tokens = starts[starts.length - 1];
                int width = heads * d;
                int rows = tokens * heads;
                float[] qkv = r.gaussian(tokens * 3 * width);
                float[] mask = flags == 0 ? new float[1] : KernelCases.mask(r, maxLen);
                byte[] kCache = new byte[rows * d];
                byte[] vCache = new byte[rows * d];
                float[] kScales = new float[rows];
                float[] vScales = new float[rows];
                float[] out = new float[tokens * width];
                TaskGraph g = new TaskGraph("int8kv")
                        .task("quantizeK", rows, Int8KvAttention::quantizeHeads, qkv, kCache, kScales, heads, d,
                                3 * width, width)
                        .task("quantizeV", rows, Int8KvAttention::quantizeHeads, qkv, vCache, vScales, heads, d,
                                3 * width, 2 * width)
                        .task("attention", rows, Int8KvAttention::attention, qkv, kCache, kScales, vCache, vScales,
                                mask, out, starts, heads, d, 3 * width, flags, maxLen);
                return new Built(g, List.of(Output.exact("kCache", kCache, d), new Output("kScales", kScales, heads),
                        Output.exact("vCache", vCache, d), new Output("vScales", vScales, heads),
                        new Output("out", out, width)));
            }));
        }
        return cases;
    }

    /** Row length of the conversion cases. */
    private static final int COLS = 256;

    /**
     * fp16 and bf16: decoding every one of the 65,536 bit patterns, encoding every value of the format, the
     * ties between neighbouring values and the floats either side of them, and random float bit patterns
     * (subnormals, infinities and NaNs included), all bit for bit; the GEMMs with fp32, fp16 and bf16 weights.
     */
    static List<KernelCase> precision() {
        return List.of(
                convert("Half.decode every half", true, false),
                convert("Half.encode every half, ties and their neighbours, random bit patterns", true, true),
                convert("BFloat16.decode every bfloat16", false, false),
                convert("BFloat16.encode every bfloat16, ties and their neighbours, random bit patterns", false, true),
                gemm("DenseGemm.gemmF32 +bias GELU_ERF" + SHAPE, M, K, (g, r, x, bias, y) -> g.task("f32", N,
                        DenseGemm::gemmF32, x, r.gaussian(N * K, 0, 0.1), bias, y, M, N, K, 1, Activations.GELU_ERF)),
                gemm("DenseGemm.gemmF16 no bias SILU" + SHAPE, M, K, (g, r, x, bias, y) -> g.task("f16", N,
                        DenseGemm::gemmF16, x, encode(r.gaussian(N * K, 0, 0.1), true), bias, y, M, N, K, 0,
                        Activations.SILU)),
                gemm("DenseGemm.gemmBf16 +bias IDENTITY" + SHAPE, M, K, (g, r, x, bias, y) -> g.task("bf16", N,
                        DenseGemm::gemmBf16, x, encode(r.gaussian(N * K, 0, 0.1), false), bias, y, M, N, K, 1,
                        Activations.IDENTITY)));
    }

    private static KernelCase convert(String name, boolean half, boolean encode) {
        return new KernelCase(name + ", rows of " + COLS, r -> {
            TaskGraph g = new TaskGraph(half ? "half" : "bfloat16");
            if (!encode) {
                short[] bits = new short[0x10000];
                for (int i = 0; i < bits.length; i++) {
                    bits[i] = (short) i;
                }
                float[] x = new float[bits.length];
                int rows = bits.length / COLS;
                if (half) {
                    g.task("decode", rows, Half::decode, bits, x, COLS);
                } else {
                    g.task("decode", rows, BFloat16::decode, bits, x, COLS);
                }
                return new Built(g, List.of(Output.exact("x", x, COLS)));
            }
            float[] x = encodeInputs(r, half);
            short[] bits = new short[x.length];
            int rows = x.length / COLS;
            if (half) {
                g.task("encode", rows, Half::encode, x, bits, COLS);
            } else {
                g.task("encode", rows, BFloat16::encode, x, bits, COLS);
            }
            return new Built(g, List.of(Output.exact("bits", bits, COLS)));
        });
    }

    /**
     * Every value of the format, every tie between neighbours with the floats just below and above it (both
     * signs), random float bit patterns; padded with zeros to whole rows.
     */
    private static float[] encodeInputs(RandomArrays r, boolean half) {
        List<Float> x = new ArrayList<>();
        int maxFinite = half ? 0x7bff : 0x7f7f;
        for (int bits = 0; bits < 0x10000; bits++) {
            x.add(decode((short) bits, half));
        }
        for (int bits = 0; bits < maxFinite; bits++) {
            double lo = decode((short) bits, half);
            double hi = decode((short) (bits + 1), half);
            float mid = (float) ((lo + hi) / 2); // exact: both formats have fewer significant bits than a float
            for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                x.add(f);
                x.add(-f);
            }
        }
        for (int i = 0; i < 0x4000; i++) {
            x.add(Float.intBitsToFloat(r.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE - 1)));
        }
        float[] padded = new float[(x.size() + COLS - 1) / COLS * COLS];
        for (int i = 0; i < x.size(); i++) {
            padded[i] = x.get(i);
        }
        return padded;
    }

    private static float decode(short bits, boolean half) {
        return half ? Half.toFloat(bits) : BFloat16.toFloat(bits);
    }

    private static short[] encode(float[] w, boolean half) {
        short[] bits = new short[w.length];
        for (int i = 0; i < w.length; i++) {
            bits[i] = half ? Half.fromFloat(w[i]) : BFloat16.fromFloat(w[i]);
        }
        return bits;
    }

    /** CSR with about 30% density (row 0 empty), and 2:4 with random positions. */
    static List<KernelCase> sparse() {
        return List.of(
                gemm("Csr.gemm 30% dense, an empty row, +bias RELU" + SHAPE, M, K, (g, r, x, bias, y) -> {
                    List<Integer> cols = new ArrayList<>();
                    int[] rowPtr = new int[N + 1];
                    for (int j = 0; j < N; j++) {
                        for (int p = 0; p < K; p++) {
                            if (j > 0 && r.chance(0.3)) {
                                cols.add(p);
                            }
                        }
                        rowPtr[j + 1] = cols.size();
                    }
                    g.task("csr", N, Csr::gemm, x, rowPtr, cols.stream().mapToInt(Integer::intValue).toArray(),
                            r.gaussian(cols.size()), bias, y, M, N, K, 1, Activations.RELU);
                }),
                gemm("Sparse24.gemm +bias GELU_ERF M=3 N=13 K=68", M, 68, (g, r, x, bias, y) -> {
                    int k = 68;
                    int groups = k / Sparse24.GROUP;
                    int metaPerRow = (groups + 1) / 2;
                    byte[] meta = new byte[N * metaPerRow];
                    for (int j = 0; j < N; j++) {
                        for (int gr = 0; gr < groups; gr++) {
                            int pos0 = r.nextInt(0, 2);
                            int pos1 = r.nextInt(pos0 + 1, 3);
                            meta[j * metaPerRow + gr / 2] |= (byte) ((pos0 | pos1 << 2) << (4 * (gr & 1)));
                        }
                    }
                    g.task("sparse24", N, Sparse24::gemm, x, r.gaussian(N * k / 2), meta, bias, y, M, N, k, 1,
                            Activations.GELU_ERF);
                }));
    }
}
