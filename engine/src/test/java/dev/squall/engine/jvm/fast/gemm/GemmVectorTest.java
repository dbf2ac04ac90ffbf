package dev.squall.engine.jvm.fast.gemm;

import dev.squall.engine.jvm.fast.driver.EightRowKernel;
import dev.squall.engine.jvm.fast.driver.FourRowKernel;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.driver.MicroKernel;
import dev.squall.engine.jvm.fast.driver.RowStreamGemm;
import dev.squall.engine.jvm.fast.lanes.VectorWidth;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.GemmReference;
import dev.squall.tasks.gemm.GemmVariant;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GemmVector} against float64 and against the plain kernel it replaces, for all four forward GEMM kernels,
 * every epilogue, awkward shapes (1, odd, primes) and shapes larger than the driver's blocks (depth over
 * {@link GemmDriver#KC}, rows over {@link GemmDriver#MC}, columns not a multiple of {@link GemmDriver#NR}),
 * with outputs poisoned and rows split at random (results must be bit-identical for any split).
 *
 * <p>Bounds: {@code 1e-5 · (Σ_p |a_ip||b_pj| + |bias_j|)} against float64, as for the plain kernels (FMA
 * rounds once where the plain loop rounds twice; the vector exponential of the activations adds about an
 * ulp); against the plain kernel {@code 2e-5} of the same scale, the sum of both kernels' bounds.
 */
public class GemmVectorTest {
    /** {M, N, K}: awkward small shapes, then shapes crossing the driver's blocks. */
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 13, 31}, {17, 33, 67}, {130, 1, 67}, {1, 130, 17},
            {67, 17, 130}, {33, 130, 1}, {97, 67, 33}, {5, 16, 3}, {133, 47, 530}, {2, 257, 263}};
    /** {tileM, tileN, tileK}: the fast path must honour any band height. */
    private static final int[][] TILES = {{16, 256, 128}, {1, 1, 1}, {3, 5, 7}, {8, 16, 32}, {256, 256, 256}};
    private static final int[][] EPILOGUES = {{0, Activations.IDENTITY}, {1, Activations.IDENTITY},
            {1, Activations.RELU}, {1, Activations.GELU_ERF}, {1, Activations.GELU_TANH}, {1, Activations.SILU},
            {0, Activations.GELU_ERF}};

    @ParameterizedTest
    @EnumSource(GemmVariant.class)
    void matchesPlainKernelAndFloat64(GemmVariant variant) {
        for (int s = 0; s < SHAPES.length; s++) {
            for (int e = 0; e < EPILOGUES.length; e += 1 + s % 2) {
                check(variant, SHAPES[s], EPILOGUES[(e + s) % EPILOGUES.length], TILES[(s + e) % TILES.length]);
            }
        }
    }

    /**
     * The panel fast path (streamed for a few rows, packed for more) gives the bits of the band fast path:
     * both accumulate each element by FMA in ascending k, so a layer may pick either. Few rows around
     * {@link RowStreamGemm#MAX_ROWS}, columns around its chunk and the vector length, panels of any width.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 8, 13})
    void panelsGiveTheBitsOfBands(int m) {
        int[][] shapes = {{1, 1}, {13, 31}, {1030, 9}, {67, 130}, {2100, 5}};
        int[][] tiles = {{16, 64, 128}, {3, 5, 7}, {16, 1, 128}, {4, 1000, 16}};
        for (int s = 0; s < shapes.length; s++) {
            int n = shapes[s][0];
            int k = shapes[s][1];
            int[] t = tiles[(s + m) % tiles.length];
            int[] epilogue = EPILOGUES[(s + m) % EPILOGUES.length];
            RandomArrays rnd = RandomArrays.fresh();
            float[] a = rnd.gaussian(m * k);
            float[] b = rnd.gaussian(k * n);
            float[] bias = epilogue[0] != 0 ? rnd.gaussian(n) : Poison.array(n);
            Subject subject = Subject.of("GemmVector.panelMatmul vs tiledMatmul", "M=" + m + " N=" + n + " K=" + k
                    + " tiles=" + t[0] + "x" + t[1] + "x" + t[2], rnd.seed()).rowsOf(n);
            float[] panels = new float[m * n];
            RowSlices.run(subject, rnd, GemmVariant.PANELS.rows(m, n, t),
                    fast(GemmVariant.PANELS, a, b, bias, panels, m, n, k, epilogue[0], epilogue[1], t), panels);
            float[] bands = Poison.array(m * n);
            fast(GemmVariant.TILED, a, b, bias, bands, m, n, k, epilogue[0], epilogue[1], t)
                    .run(0, GemmVariant.TILED.rows(m, n, t));
            BitExact.assertIdentical(subject, bands, panels);
        }
    }

    /** The micro-kernel follows the vector width: 8×32 on 512-bit vectors, 4 rows of two vectors otherwise. */
    @Test
    void theMicroKernelSuitsTheVectorWidth() {
        MicroKernel kernel = GemmDriver.DEFAULT.blocking().kernel();
        int bits = GemmDriver.S.vectorBitSize();
        Assertions.assertEquals(bits >= 512 ? EightRowKernel.INSTANCE : FourRowKernel.INSTANCE,
                kernel, GemmDriver.describe());
        Assertions.assertEquals(bits, kernel.species().vectorBitSize(), GemmDriver.describe());
        String narrowed = System.getProperty(VectorWidth.PROPERTY);
        if (narrowed != null) {
            Assertions.assertTrue(bits <= Integer.parseInt(narrowed), GemmDriver.describe());
        }
    }

    private static void check(GemmVariant variant, int[] shape, int[] epilogue, int[] tiles) {
        int m = shape[0];
        int n = shape[1];
        int k = shape[2];
        int hasBias = epilogue[0];
        int activation = epilogue[1];
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(m * k);
        float[] b = rnd.gaussian(k * n);
        float[] bias = hasBias != 0 ? rnd.gaussian(n) : Poison.array(n);
        Subject subject = Subject.of("GemmVector." + variant.kernelName().substring(5),
                "M=" + m + " N=" + n + " K=" + k + " hasBias=" + hasBias + " activation=" + activation + " tiles="
                        + tiles[0] + "x" + tiles[1] + "x" + tiles[2], rnd.seed()).rowsOf(n);
        int rows = variant.rows(m, n, tiles);

        float[] fast = new float[m * n];
        RowSlices.run(subject, rnd, rows, fast(variant, a, b, bias, fast, m, n, k, hasBias, activation, tiles), fast);
        float[] plain = Poison.array(m * n);
        variant.bind(a, b, bias, plain, m, n, k, hasBias, activation, tiles).run(0, rows);

        double[] scale = GemmReference.scale(a, b, bias, m, n, k, variant.transB, hasBias != 0);
        double[] ref = GemmReference.epilogue(GemmReference.product(a, b, m, n, k, variant.transB), bias, n,
                hasBias != 0, activation);
        Tolerance.FP32.assertClose(subject.with("vs float64"), fast, ref, scale);
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), fast, toDouble(plain), scale);
    }

    static RowSlices.RowKernel fast(GemmVariant variant, float[] a, float[] b, float[] bias, float[] c, int m, int n,
                                    int k, int hasBias, int activation, int[] tiles) {
        return switch (variant) {
            case NAIVE -> (off, cnt) -> GemmVector.matmul(a, b, bias, c, n, k, hasBias, activation, off, cnt);
            case TILED -> (off, cnt) -> GemmVector.tiledMatmul(a, b, bias, c, m, n, k, hasBias, activation, tiles[0],
                    tiles[1], tiles[2], off, cnt);
            case TILED_TRANS_B -> (off, cnt) -> GemmVector.tiledMatmulTransB(a, b, bias, c, m, n, k, hasBias,
                    activation, tiles[0], tiles[1], tiles[2], off, cnt);
            case PANELS -> (off, cnt) -> GemmVector.panelMatmul(a, b, bias, c, m, n, k, hasBias, activation, tiles[0],
                    tiles[1], tiles[2], off, cnt);
        };
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
