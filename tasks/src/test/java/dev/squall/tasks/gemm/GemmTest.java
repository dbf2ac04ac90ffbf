package dev.squall.tasks.gemm;

import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The four forward GEMM kernels with every epilogue against float64, and naive against tiled (A·B and A·Bᵀ)
 * and panels bit for bit.
 *
 * <p>Bound: {@code 1e-5 · (Σ_p |a_ip||b_pj| + |bias_j|)}. Summing K products in fp32 errs by at most about
 * {@code K·2⁻²⁴} of {@code Σ|a||b|} (7.7e-6 for K = 130, the largest here), and the activations carry that
 * over with slope at most 1.13 while adding a few 1e-7 of their own value. When there is no bias the bias
 * array is NaN, which proves it unread.
 */
class GemmTest {
    private static final int[] DIMS = {1, 17, 33, 67, 130};
    /** {tileM, tileN, tileK}: tile 1, powers of two, mixed, odd, and tiles larger than every matrix. */
    private static final int[][] TILES = {{1, 1, 1}, {8, 8, 8}, {16, 16, 16}, {32, 32, 32}, {8, 16, 32},
            {32, 8, 16}, {16, 32, 8}, {1, 32, 8}, {3, 5, 7}, {256, 256, 256}};
    private static final int[][] AWKWARD_SHAPES = {{1, 1, 1}, {7, 13, 31}, {17, 33, 67}, {130, 1, 67},
            {1, 130, 17}, {67, 17, 130}, {33, 130, 1}, {97, 67, 33}};
    /** {hasBias, activation}: none, bias only, then bias with each activation. */
    private static final int[][] EPILOGUES = {{0, Activations.IDENTITY}, {1, Activations.IDENTITY},
            {1, Activations.RELU}, {1, Activations.GELU_ERF}, {1, Activations.GELU_TANH}, {1, Activations.SILU}};

    static Stream<Arguments> variantsAndEpilogues() {
        return Stream.of(GemmVariant.values())
                .flatMap(v -> Arrays.stream(EPILOGUES).map(e -> Arguments.of(v, e[0], e[1])));
    }

    @ParameterizedTest(name = "{0} hasBias={1} activation={2}")
    @MethodSource("variantsAndEpilogues")
    void everyEpilogueMatchesFloat64OnAwkwardShapes(GemmVariant variant, int hasBias, int activation) {
        for (int s = 0; s < AWKWARD_SHAPES.length; s++) {
            int[] shape = AWKWARD_SHAPES[s];
            checkAgainstFloat64(variant, shape[0], shape[1], shape[2], hasBias, activation, TILES[s % TILES.length]);
        }
    }

    /** Every M, N, K in {1, 17, 33, 67, 130}: plain products, tiles 8×16×32. */
    @ParameterizedTest
    @EnumSource(GemmVariant.class)
    void allShapeCombinationsMatchFloat64(GemmVariant variant) {
        for (int m : DIMS) {
            for (int n : DIMS) {
                for (int k : DIMS) {
                    checkAgainstFloat64(variant, m, n, k, 0, Activations.IDENTITY, new int[] {8, 16, 32});
                }
            }
        }
    }

    /**
     * The class documentation promises naive, tiled and panel results bit-identical: every element is summed
     * in ascending k from zero in all four kernels (naive on the transpose of the transB kernel's B). Checked for
     * every shape of the grid and every tile triple, with the epilogues cycling.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GemmVariant.class, names = {"TILED", "TILED_TRANS_B", "PANELS"})
    void tiledIsBitIdenticalToNaive(GemmVariant tiled) {
        GemmVariant naive = GemmVariant.NAIVE;
        RandomArrays rnd = RandomArrays.fresh();
        int shapeIndex = 0;
        for (int m : DIMS) {
            for (int n : DIMS) {
                for (int k : DIMS) {
                    int[] epilogue = EPILOGUES[shapeIndex++ % EPILOGUES.length];
                    float[] a = rnd.gaussian(m * k);
                    float[] b = rnd.gaussian(k * n);
                    float[] bias = epilogue[0] != 0 ? rnd.gaussian(n) : Poison.array(n);
                    float[] expected = Poison.array(m * n);
                    naive.bind(a, tiled.asKxN(b, n, k), bias, expected, m, n, k, epilogue[0], epilogue[1], null)
                            .run(0, m);
                    for (int[] tiles : TILES) {
                        float[] c = Poison.array(m * n);
                        tiled.bind(a, b, bias, c, m, n, k, epilogue[0], epilogue[1], tiles)
                                .run(0, tiled.rows(m, n, tiles));
                        BitExact.assertIdentical(Subject.of(tiled.kernelName() + " vs " + naive.kernelName(),
                                shape(m, n, k, epilogue[0], epilogue[1], tiles), rnd.seed()).rowsOf(n), expected, c);
                    }
                }
            }
        }
    }

    /** The same products against Commons Math's {@link RealMatrix#multiply}, an independent float64 product. */
    @ParameterizedTest
    @EnumSource(GemmVariant.class)
    void plainProductMatchesCommonsMath(GemmVariant variant) {
        for (int[] shape : new int[][] {{17, 33, 67}, {130, 67, 33}, {1, 130, 1}, {67, 1, 130}}) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            RandomArrays rnd = RandomArrays.fresh();
            float[] a = rnd.gaussian(m * k);
            float[] b = rnd.gaussian(k * n);
            float[] c = new float[m * n];
            int[] tiles = {16, 8, 32};
            Subject subject = Subject.of(variant.kernelName(), shape(m, n, k, 0, 0, tiles) + " vs RealMatrix",
                    rnd.seed()).rowsOf(n);

            RowSlices.run(subject, rnd, variant.rows(m, n, tiles),
                    variant.bind(a, b, Poison.array(n), c, m, n, k, 0, Activations.IDENTITY, tiles), c);

            RealMatrix am = matrix(a, m, k);
            RealMatrix product = am.multiply(variant.transB ? matrix(b, n, k).transpose() : matrix(b, k, n));
            double[] ref = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    ref[i * n + j] = product.getEntry(i, j);
                }
            }
            Tolerance.FP32.assertClose(subject, c, ref, GemmReference.absProduct(a, b, m, n, k, variant.transB));
        }
    }

    private static void checkAgainstFloat64(GemmVariant variant, int m, int n, int k, int hasBias, int activation,
                                            int[] tiles) {
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(m * k);
        float[] b = rnd.gaussian(k * n);
        float[] bias = hasBias != 0 ? rnd.gaussian(n) : Poison.array(n);
        float[] c = new float[m * n];
        Subject subject = Subject.of(variant.kernelName(), shape(m, n, k, hasBias, activation, tiles), rnd.seed())
                .rowsOf(n);

        RowSlices.run(subject, rnd, variant.rows(m, n, tiles),
                variant.bind(a, b, bias, c, m, n, k, hasBias, activation, tiles), c);

        double[] ref = GemmReference.epilogue(GemmReference.product(a, b, m, n, k, variant.transB), bias, n,
                hasBias != 0, activation);
        Tolerance.FP32.assertClose(subject, c, ref,
                GemmReference.scale(a, b, bias, m, n, k, variant.transB, hasBias != 0));
    }

    private static String shape(int m, int n, int k, int hasBias, int activation, int[] tiles) {
        return "M=" + m + " N=" + n + " K=" + k + " hasBias=" + hasBias + " activation=" + activation
                + (tiles != null ? " tiles=" + tiles[0] + "x" + tiles[1] + "x" + tiles[2] : "");
    }

    private static RealMatrix matrix(float[] values, int rows, int cols) {
        double[][] data = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                data[r][c] = values[r * cols + c];
            }
        }
        return new Array2DRowRealMatrix(data, false);
    }
}
