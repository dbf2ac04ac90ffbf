package dev.squall.engine.jvm.fast.driver;

import dev.squall.engine.jvm.fast.driver.GemmDriver.Matrix;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link BlockedGemm} on every micro-kernel this machine can run (the 256-bit {@link FourRowKernel} always, the
 * 512-bit {@link EightRowKernel} where the machine has 512-bit vectors), each with the blocking derived from
 * this machine's caches and with a tiny blocking that cuts every shape into many blocks. Every element must
 * be the scalar FMA chain {@code acc = fma(a_ip, b_pj, acc)}, {@code p} ascending, bit for bit: that is what
 * makes results independent of the thread split, the kernel and the blocking. Shapes are awkward (1, odd,
 * primes, not multiples of the register block, deeper than a depth block); outputs are poisoned with NaN
 * unless the product accumulates.
 */
class BlockedGemmTest {
    /** {M, N, K}. */
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 13, 31}, {17, 33, 67}, {9, 65, 129}, {33, 70, 300},
            {67, 130, 257}, {3, 200, 517}, {130, 41, 19}};

    static List<BlockedGemm> gemms() {
        List<MicroKernel> kernels = new ArrayList<>(List.of(FourRowKernel.INSTANCE));
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512) {
            kernels.add(EightRowKernel.INSTANCE);
        }
        List<BlockedGemm> gemms = new ArrayList<>();
        for (MicroKernel k : kernels) {
            gemms.add(new BlockedGemm(GemmBlocking.of(k, CacheSizes.machine())));
            int mr = k.rows();
            gemms.add(new BlockedGemm(new GemmBlocking(k, GemmBlocking.MIN_KC, 2 * mr, 2 * k.columns(),
                    CacheSizes.DEFAULT)));
        }
        return gemms;
    }

    @ParameterizedTest
    @MethodSource("gemms")
    void productIsTheFmaChain(BlockedGemm gemm) {
        for (int[] s : SHAPES) {
            for (boolean transB : new boolean[] {false, true}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    check(gemm, s[0], s[1], s[2], transB, accumulate);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gemms")
    void packedWeightsGiveTheSameBitsOnAnyColumnRange(BlockedGemm gemm) {
        int nr = gemm.blocking().kernel().columns();
        for (int[] s : SHAPES) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            RandomArrays rnd = RandomArrays.fresh();
            float[] a = rnd.gaussian(m * k);
            float[] b = rnd.gaussian(k * n);
            float[] bias = rnd.gaussian(n);
            Subject subject = Subject.of(name(gemm) + " packed B", "M=" + m + " N=" + n + " K=" + k, rnd.seed())
                    .rowsOf(n);
            float[] expected = reference(a, b, null, m, n, k, bias, Activations.RELU);
            BlockedGemm.PackedB packed = gemm.pack(b, k, n);
            float[] c = Poison.array(m * n);
            // Columns in ranges starting on panels: [0, nr), [nr, 3nr), [3nr, n) as far as they exist.
            int[] cuts = {0, Math.min(n, nr), Math.min(n, 3 * nr), n};
            for (int i = 0; i + 1 < cuts.length; i++) {
                if (cuts[i] < cuts[i + 1]) {
                    gemm.product(new Matrix(a, k, 0, 0), packed, cuts[i], c, cuts[i], n, m, cuts[i + 1] - cuts[i],
                            bias, 1, Activations.RELU);
                }
            }
            BitExact.assertIdentical(subject, expected, c);
        }
    }

    @ParameterizedTest
    @MethodSource("gemms")
    void attentionProductsAreTheFmaChain(BlockedGemm gemm) {
        int[][] shapes = {{1, 1, 1}, {13, 64, 64}, {128, 64, 128}, {128, 128, 64}, {37, 19, 101}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            RandomArrays rnd = RandomArrays.fresh();
            Subject subject = Subject.of(name(gemm) + " packed / column-major A", "M=" + m + " N=" + n + " K=" + k,
                    rnd.seed()).rowsOf(n);
            float[] a = rnd.gaussian(m * k);
            float[] b = rnd.gaussian(k * n);
            float[] bp = new float[gemm.panelFloats(n, k)];
            gemm.packPanels(new Matrix(b, n, 0, 0), false, n, k, bp, 0);
            float[] ap = new float[gemm.rowFloats(m, k)];
            gemm.packRows(new Matrix(a, k, 0, 0), m, k, ap, 0);
            float[] expected = reference(a, b, null, m, n, k, null, Activations.IDENTITY);
            float[] c = Poison.array(m * n);
            gemm.productPacked(ap, 0, bp, c, 0, n, m, n, k);
            BitExact.assertIdentical(subject.with("productPacked"), expected, c);

            // A column-major at the constant stride, from an offset; C accumulates from random values.
            int off = 3;
            float[] at = Poison.array(off + k * GemmDriver.COLUMN_STRIDE);
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    at[off + p * GemmDriver.COLUMN_STRIDE + i] = a[i * k + p];
                }
            }
            float[] c0 = rnd.gaussian(m * n);
            float[] acc = c0.clone();
            gemm.productColumns(at, off, bp, 0, k, acc, 0, n, m, n, k);
            BitExact.assertIdentical(subject.with("productColumns"), reference(a, b, c0, m, n, k, null,
                    Activations.IDENTITY), acc);
        }
    }

    private static void check(BlockedGemm gemm, int m, int n, int k, boolean transB, boolean accumulate) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(m * k);
        float[] b = rnd.gaussian(k * n);
        float[] bias = rnd.gaussian(n);
        float[] c0 = accumulate ? rnd.gaussian(m * n) : null;
        int activation = accumulate ? Activations.IDENTITY : Activations.RELU;
        Subject subject = Subject.of(name(gemm), "M=" + m + " N=" + n + " K=" + k + " transB=" + transB
                + " accumulate=" + accumulate, rnd.seed()).rowsOf(n);
        // A and C as views inside larger arrays (offset rows and columns, wider strides).
        int lda = k + 3;
        float[] aBig = Poison.array((m + 2) * lda);
        for (int i = 0; i < m; i++) {
            System.arraycopy(a, i * k, aBig, (i + 2) * lda + 3, k);
        }
        int ldc = n + 5;
        float[] c = Poison.array(m * ldc + 7);
        if (accumulate) {
            for (int i = 0; i < m; i++) {
                System.arraycopy(c0, i * n, c, 7 + i * ldc, n);
            }
        }
        float[] bStored = transB ? transpose(b, k, n) : b;
        gemm.product(new Matrix(aBig, lda, 2, 3), new Matrix(bStored, transB ? k : n, 0, 0), transB, c, 7, ldc, m, n,
                k, accumulate, bias, 1, activation);
        float[] got = new float[m * n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(c, 7 + i * ldc, got, i * n, n);
        }
        BitExact.assertIdentical(subject, reference(a, b, c0, m, n, k, bias, activation), got);
    }

    /** The scalar FMA chain from {@code c0} (or zero), then {@link Gemm#epilogue} when {@code bias} is given. */
    static float[] reference(float[] a, float[] b, float[] c0, int m, int n, int k, float[] bias,
                             int activation) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = c0 == null ? 0f : c0[i * n + j];
                for (int p = 0; p < k; p++) {
                    acc = Math.fma(a[i * k + p], b[p * n + j], acc);
                }
                c[i * n + j] = bias == null ? acc : Gemm.epilogue(acc, bias, j, 1, activation);
            }
        }
        return c;
    }

    private static float[] transpose(float[] b, int k, int n) {
        float[] t = new float[n * k];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                t[j * k + p] = b[p * n + j];
            }
        }
        return t;
    }

    private static String name(BlockedGemm gemm) {
        return "BlockedGemm[" + gemm.blocking().describe() + "]";
    }
}
