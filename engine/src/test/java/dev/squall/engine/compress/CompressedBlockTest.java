package dev.squall.engine.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.ReferenceBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoder block with its linear layers in every format, fused and unfused:
 * <ul>
 *   <li>it computes the block of the weights its layers hold: the float64 reference block over the
 *       dequantised weights, within the fp32 bound of the block tests ({@code 1e-5·max(1, |ref|)}; w8a8, q4_0-a8 and ternary-a8, whose
 *       activations are quantised at run time, only within its error sanity bound);</li>
 *   <li>its relative output error against the fp32 block ({@code ‖y − y₃₂‖/‖y₃₂‖}) is printed and
 *       sanity-bounded per format (finite, and below what the format's weight error allows);</li>
 *   <li>it survives a round trip through an {@code .npz} file unchanged, and corrupt files fail clearly.</li>
 * </ul>
 * d = 36 (not a multiple of 32: partial blocks), 4 heads, ff = 52, 2 sequences of 9 tokens, pre-LN, GELU.
 */
class CompressedBlockTest extends SharedJvmBackend {
    private static final BlockConfig CONFIG = BlockConfig.of(36, 4, 52).withNormFirst(true)
            .withActivation(BlockConfig.Activation.GELU).withCausal(true);
    private static final int BATCH = 2;
    private static final int N = 9;

    @TempDir
    Path dir;

    /** Sanity bounds of the relative block error against fp32, per format. */
    private static double errorBound(String format) {
        return switch (format) {
            case "fp32", "fp32-rows" -> 1e-5;
            case "fp16" -> 2e-3;
            case "bf16", "q8_0", "int8", "int8g:16", "w8a8", "w8a8:2.0" -> 3e-2;
            case "q4_0" -> 0.25;
            default -> 1.5; // 1-2 bit weights and heavy pruning of random weights: only sanity
        };
    }

    /** Formats whose activations are quantised at run time: they compute with other inputs than the reference. */
    private static boolean quantisesActivations(String format) {
        return format.startsWith("w8a8") || format.endsWith("-a8") || format.endsWith("-a8:row");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp32-rows", "fp16", "bf16", "q8_0", "q4_0", "int8", "int8g:16", "ternary",
            "ternary:row", "ternary-a8", "q4_0-a8", "binary", "w8a8", "w8a8:2.0", "pruned:0.5", "pruned:0.5:row", "pruned:0.9:global", "2:4"})
    void blockComputesWithTheWeightsItsLayersHold(String format) throws IOException {
        long seed = System.nanoTime();
        BlockWeights fp32 = BlockWeights.random(CONFIG.dModel(), CONFIG.ffDim(), seed);
        CompressedBlock cb = CompressedBlock.of(fp32, WeightFormats.parse(format));
        float[] x = uniform(BATCH * N * CONFIG.dModel(), seed + 1);
        double[] exact = ReferenceBlock.forward(fp32, CONFIG, x, BATCH, N);
        double[] ofHeldWeights = ReferenceBlock.forward(cb.reference(), CONFIG, x, BATCH, N);
        EncoderBlock block = cb.block(CONFIG);
        for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
            float[] y = block.forward(backend, v, x, BATCH, N);
            String what = format + " " + v + " seed=" + seed;
            if (!quantisesActivations(format)) {
                for (int i = 0; i < y.length; i++) {
                    assertTrue(Math.abs(y[i] - ofHeldWeights[i]) <= 1e-5 * Math.max(1, Math.abs(ofHeldWeights[i])),
                            what + ": element " + i + " got " + y[i] + " expected " + ofHeldWeights[i]);
                }
            }
            double rel = relativeError(y, exact);
            System.out.printf("block error: %-18s %-8s relative to fp32 %.2e, weights %d bytes (fp32 %d)%n", format, v,
                    rel, cb.weightBytes(), 4L * (4 * 36 * 36 + 2 * 36 * 52));
            assertTrue(rel <= errorBound(format), what + ": relative error " + rel);
        }
        CompressedBlock back = roundTrip(cb);
        float[] before = block.forward(backend, EncoderBlock.Variant.FUSED, x, BATCH, N);
        float[] after = back.block(CONFIG).forward(backend, EncoderBlock.Variant.FUSED, x, BATCH, N);
        if (format.equals("fp32-rows")) {
            // stored as a plain fp32 weight, it reads back as the default fp32 layer: other loops, same weights
            assertEquals("fp32", back.format());
            for (int i = 0; i < after.length; i++) {
                assertEquals(before[i], after[i], 1e-5 * Math.max(1, Math.abs(before[i])), format + " after .npz");
            }
        } else {
            assertEquals(cb.format(), back.format());
            assertArrayEquals(before, after, format + " after .npz");
        }
    }

    @Test
    void compressedWeightsAreSmaller() {
        BlockWeights fp32 = BlockWeights.random(256, 512, 3);
        long dense = CompressedBlock.of(fp32, WeightFormats.parse("fp32")).weightBytes();
        for (String[] f : new String[][] {{"fp16", "2"}, {"bf16", "2"}, {"q8_0", "3.7"}, {"int8", "3.9"},
                {"q4_0", "7.1"}, {"ternary", "15"}, {"ternary-a8", "15"}, {"q4_0-a8", "7.1"}, {"binary", "28"}, {"2:4", "1.7"}, {"pruned:0.9", "4.8"}}) {
            long bytes = CompressedBlock.of(fp32, WeightFormats.parse(f[0])).weightBytes();
            assertTrue(dense / (double) bytes >= Double.parseDouble(f[1]), f[0] + ": " + dense + " / " + bytes);
        }
    }

    @Test
    void corruptOrAmbiguousFilesAreClearErrors() throws IOException {
        BlockWeights fp32 = BlockWeights.random(36, 52, 5);
        Map<String, NdArray> dict = CompressedBlock.of(fp32, WeightFormats.parse("q8_0")).toStateDict();
        assertFalse(dict.containsKey("linear1.weight"));
        assertTrue(dict.containsKey("linear1.weight.q8_0.qs"));

        Map<String, NdArray> cut = new LinkedHashMap<>(dict);
        cut.put("linear1.weight.q8_0.qs", NdArray.of(new byte[52 * 31], 52, 31));
        assertError(cut, "packed array linear1.weight.q8_0.qs must be int8[52, 64], got int8[52, 31]");

        Map<String, NdArray> missing = new LinkedHashMap<>(dict);
        missing.remove("linear2.weight.q8_0.d");
        assertError(missing, "missing packed array linear2.weight.q8_0.d");

        Map<String, NdArray> twice = new LinkedHashMap<>(dict);
        twice.put("linear1.weight", NdArray.of(new float[52 * 36], 52, 36));
        assertError(twice, "linear1.weight is stored more than once");

        Map<String, NdArray> unknown = new LinkedHashMap<>(dict);
        unknown.put("linear1.weight.q3_k.shape", unknown.remove("linear1.weight.q8_0.shape"));
        assertError(unknown, "linear1.weight is stored in an unknown format 'q3_k'");

        Map<String, NdArray> none = new LinkedHashMap<>(dict);
        none.keySet().removeIf(k -> k.startsWith("linear2.weight"));
        assertError(none, "missing weights [linear2.weight] (a linear weight W may also be stored compressed");

        Map<String, NdArray> ternary = CompressedBlock.of(fp32, WeightFormats.parse("ternary")).toStateDict();
        int[] planes = ((int[]) ternary.get("linear1.weight.ternary.planes").data()).clone();
        planes[0] = planes[1] = 1;
        ternary.put("linear1.weight.ternary.planes", NdArray.of(planes, 52, 2, 2));
        assertError(ternary, "both +1 and −1");
    }

    private CompressedBlock roundTrip(CompressedBlock cb) throws IOException {
        Path file = dir.resolve("w.npz");
        Npz.write(file, cb.toStateDict());
        return CompressedBlock.read(Npz.read(file));
    }

    private static void assertError(Map<String, NdArray> dict, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> CompressedBlock.read(dict));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    static double relativeError(float[] y, double[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < y.length; i++) {
            assertFalse(Float.isNaN(y[i]), "NaN at " + i);
            num += (y[i] - ref[i]) * (y[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    static float[] uniform(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1) * 1.7f;
        }
        return x;
    }
}
