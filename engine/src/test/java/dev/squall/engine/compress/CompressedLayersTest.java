package dev.squall.engine.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.Linear;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.GemmReference;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every format as a {@link LinearLayer} in a task graph on the JVM backend (plain kernels and fast paths): its
 * output equals the float64 layer with the weight it reports ({@link CompressedLinear#dequantize}) within the
 * fp32 bound, with and without bias and activation; slices are the matching output columns; names parse to
 * the format they report. {@code w8a8} is checked against its own definition in the tasks tests; here its
 * output stays within its quantisation bound of the dequantised-weight product.
 */
class CompressedLayersTest {
    private static final String[] FORMATS = {"fp32", "fp32-rows", "fp16", "bf16", "q8_0", "q4_0", "int8", "int8g:16",
            "ternary", "ternary:row", "ternary-a8", "ternary-a8:row", "q4_0-a8", "binary", "pruned:0.7", "pruned:0.5:row",
            "pruned:0.9:global", "2:4"};
    private static JvmBackend plain;
    private static JvmBackend fast;

    @BeforeAll
    static void start() {
        plain = new JvmBackend(2, FastPaths.none());
        fast = new JvmBackend(2);
    }

    @AfterAll
    static void stop() {
        plain.close();
        fast.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp32-rows", "fp16", "bf16", "q8_0", "q4_0", "int8", "int8g:16", "ternary",
            "ternary:row", "binary", "pruned:0.7", "pruned:0.5:row", "pruned:0.9:global", "2:4"})
    void layerComputesWithItsDequantisedWeight(String name) {
        for (int[] shape : new int[][] {{1, 24, 40}, {7, 13, 68}, {3, 65, 36}}) {
            RandomArrays rnd = RandomArrays.fresh();
            int rows = shape[0];
            int out = shape[1];
            int in = shape[2];
            RowWeights w = new RowWeights(rnd.gaussian(out * in), rnd.gaussian(out), out, in);
            LinearLayer layer = WeightFormats.parse(name).compress(List.of(w)).get(0);
            float[] dense = layer instanceof CompressedLinear c ? c.dequantize() : w.w();
            for (JvmBackend backend : new JvmBackend[] {plain, fast}) {
                for (int[] e : new int[][] {{0, Activations.IDENTITY}, {1, Activations.GELU_ERF}}) {
                    float[] x = rnd.gaussian(rows * in);
                    float[] y = run(backend, layer, x, rows, e[0] != 0, e[1]);
                    double[] ref = GemmReference.epilogue(GemmReference.product(x, dense, rows, out, in, true),
                            w.bias(), out, e[0] != 0, e[1]);
                    Tolerance.FP32.assertClose(Subject.of(name + " layer on " + backend.description(),
                                    rows + "x" + in + "->" + out, rnd.seed()).rowsOf(out), y, ref,
                            GemmReference.scale(x, dense, w.bias(), rows, out, in, true, e[0] != 0));
                }
            }
            checkSlice(layer, rnd, rows);
        }
    }

    @Test
    void namesParseToTheFormatTheLayersReport() {
        RowWeights w = new RowWeights(RandomArrays.fresh().gaussian(8 * 64), new float[8], 8, 64);
        for (String name : FORMATS) {
            LinearLayer layer = WeightFormats.parse(name).compress(List.of(w)).get(0);
            String reported = layer instanceof CompressedLinear c ? c.format() : "fp32";
            String expected = name.startsWith("pruned") ? reported : name;
            assertEquals(expected, reported);
            assertTrue(layer instanceof Linear == name.equals("fp32"));
        }
        assertEquals("int8g:128", WeightFormats.parse("int8g").name());
        assertEquals("w8a8:6.0", WeightFormats.parse("w8a8:6").name());
        assertEquals("Q8_0".toLowerCase(), WeightFormats.parse(" Q8_0 ").name());
    }

    @Test
    void badFormatNamesAreClearErrors() {
        for (String[] c : new String[][] {{"q3_k", "unknown weight format"}, {"int8g:0", "group size must be a positive"},
                {"int8g:x", "group size must be a positive"}, {"pruned", "pruned:S"}, {"pruned:1.5", "sparsity must be in"},
                {"pruned:abc", "sparsity must be a number"}, {"pruned:0.5:cols", "scope"}, {"2:8", "2:4"},
                {"ternary:col", "ternary takes"}, {"ternary-a8:col", "ternary-a8 takes"}, {"q8_0:1", "takes no parameter"}, {"q4_0-a8:2", "takes no parameter"}, {"w8a8:-1", "must be > 0"},
                {"", "unknown weight format"}}) {
            var e = assertThrows(IllegalArgumentException.class, () -> WeightFormats.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("weight formats are"), e.getMessage());
        }
        RowWeights odd = new RowWeights(new float[3 * 10], new float[3], 3, 10);
        var e = assertThrows(IllegalArgumentException.class, () -> WeightFormats.parse("2:4").compress(List.of(odd)));
        assertTrue(e.getMessage().contains("multiple of 4"), e.getMessage());
        var nan = assertThrows(IllegalArgumentException.class,
                () -> new RowWeights(new float[] {1, Float.NaN}, new float[1], 1, 2));
        assertTrue(nan.getMessage().contains("only finite weights"), nan.getMessage());
        var big = assertThrows(IllegalArgumentException.class,
                () -> WeightFormats.parse("fp16").compress(List.of(new RowWeights(new float[] {7e4f}, new float[1], 1, 1))));
        assertTrue(big.getMessage().contains("overflows fp16"), big.getMessage());
    }

    @Test
    void corruptPackedSizesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Q8Linear(new byte[31], new short[1], new float[1], 32, 1));
        assertTrue(e.getMessage().contains("Q8_0 quants must hold 32 elements, got 31"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Q4Linear(new byte[16], new short[2], new float[1], 32, 1));
        assertThrows(IllegalArgumentException.class, () -> new TernaryLinear(new int[1], new float[1], false,
                new float[1], 32, 1));
        assertThrows(IllegalArgumentException.class, () -> new TernaryA8Linear(new int[7], new float[1], false,
                new float[1], 32, 1));
        assertThrows(IllegalArgumentException.class, () -> new Int8Linear(new byte[8], new float[1], 3, new float[1], 8, 1));
        var csr = assertThrows(IllegalArgumentException.class, () -> new CsrLinear(new int[] {0, 2}, new int[] {3, 1},
                new float[2], new float[1], 4, 1));
        assertTrue(csr.getMessage().contains("not ascending"), csr.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CsrLinear(new int[] {0, 3}, new int[2], new float[2],
                new float[1], 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sparse24Linear(new float[4], new byte[1], new float[1],
                10, 1));
    }

    /** Output columns {@code [from, from + count)} of the layer equal its slice's output, bit for bit. */
    private static void checkSlice(LinearLayer layer, RandomArrays rnd, int rows) {
        int from = layer.out() / 3;
        int count = layer.out() - 2 * from;
        LinearLayer slice = layer.slice(from, count);
        float[] x = rnd.gaussian(rows * layer.in());
        float[] whole = run(plain, layer, x, rows, true, Activations.IDENTITY);
        float[] part = run(plain, slice, x, rows, true, Activations.IDENTITY);
        for (int i = 0; i < rows; i++) {
            assertArrayEquals(java.util.Arrays.copyOfRange(whole, i * layer.out() + from, i * layer.out() + from + count),
                    java.util.Arrays.copyOfRange(part, i * count, i * count + count), "slice row " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> layer.slice(layer.out() - 1, 2));
    }

    static float[] run(JvmBackend backend, LinearLayer layer, float[] x, int rows, boolean bias, int activation) {
        float[] y = new float[rows * layer.out()];
        TaskGraph g = new TaskGraph("layer").transferToDevice(DataTransferMode.FIRST_EXECUTION,
                layer.weightArrays().toArray()).transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
        layer.addTo(g, "linear", x, y, rows, bias, activation);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        backend.plan(g).execute();
        return y;
    }
}
