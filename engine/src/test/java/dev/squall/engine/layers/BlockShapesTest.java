package dev.squall.engine.layers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.compress.CompressedBlock;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.io.NdArray;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A state dict with one tensor of the wrong shape names that tensor, with its expected and actual shape, whichever
 * it is (the sizes come from what the other tensors agree on), read as fp32 or compressed weights; a non-finite
 * fp32 weight is refused by name, without talk of compression.
 */
class BlockShapesTest {
    private static final int D = 12;
    private static final int FF = 20;

    @Test
    void aWrongTensorIsNamedWhicheverItIs() {
        Map<String, NdArray> fp32 = BlockWeights.random(D, FF, 3).toStateDict();
        Map<String, NdArray> q8 = CompressedBlock.of(BlockWeights.fromStateDict(fp32), WeightFormats.parse("q8_0"))
                .toStateDict();
        for (String name : BlockWeights.NAMES) {
            for (int axis = 0; axis < fp32.get(name).rank(); axis++) {
                for (int delta : new int[] {-1, 1}) {
                    Map<String, NdArray> dict = new LinkedHashMap<>(fp32);
                    dict.put(name, resized(fp32.get(name), axis, delta));
                    String expected = name + " must be " + Arrays.toString(fp32.get(name).shape()) + ", got "
                            + dict.get(name).describe();
                    assertNamed(expected, () -> BlockWeights.fromStateDict(dict));
                    assertNamed(expected, () -> CompressedBlock.read(dict));
                    if (q8.containsKey(name)) { // a bias or norm beside compressed weights
                        Map<String, NdArray> compressed = new LinkedHashMap<>(q8);
                        compressed.put(name, dict.get(name));
                        assertNamed(expected, () -> CompressedBlock.read(compressed));
                    }
                }
            }
        }
    }

    @Test
    void aCompressedWeightOfTheWrongShapeIsNamed() {
        Map<String, NdArray> q8 = new LinkedHashMap<>(CompressedBlock.of(BlockWeights.random(D, FF, 4),
                WeightFormats.parse("q8_0")).toStateDict());
        q8.put("linear2.weight.q8_0.shape", NdArray.of(new int[] {D, FF + 1}, 2));
        assertNamed("linear2.weight must be [12, 20], got [12, 21] (stored compressed)", () -> CompressedBlock.read(q8));
    }

    @Test
    void nonFiniteFp32WeightsAreRefusedByNameWithoutTalkOfCompression() {
        for (String name : new String[] {"linear1.weight", "self_attn.in_proj_bias", "norm2.weight"}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                Map<String, NdArray> dict = new LinkedHashMap<>(BlockWeights.random(D, FF, 5).toStateDict());
                float[] values = dict.get(name).toFloats().clone();
                values[values.length - 2] = bad;
                dict.put(name, NdArray.of(values, dict.get(name).shape()));
                for (Function<Map<String, NdArray>, ?> read : java.util.List.<Function<Map<String, NdArray>, ?>>of(
                        BlockWeights::fromStateDict, CompressedBlock::read)) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read.apply(dict));
                    int[] shape = dict.get(name).shape();
                    String at = shape.length == 2 ? "[" + (shape[0] - 1) + ", " + (shape[1] - 2) + "]"
                            : "[" + (shape[0] - 2) + "]";
                    assertTrue(e.getMessage().startsWith(name + at + " is " + bad), e.getMessage());
                    assertFalse(e.getMessage().contains("compress"), e.getMessage());
                }
            }
        }
    }

    @Test
    void nonFiniteFp16WeightsAreRefusedByNameToo() {
        Map<String, NdArray> dict = new LinkedHashMap<>(BlockWeights.random(D, FF, 6).toStateDict());
        short[] half = new short[FF * D];
        half[5] = (short) 0x7e00; // NaN
        dict.put("linear1.weight", NdArray.ofHalf(half, FF, D));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompressedBlock.read(dict));
        assertTrue(e.getMessage().startsWith("linear1.weight[0, 5] is NaN"), e.getMessage());
        assertFalse(e.getMessage().contains("compress"), e.getMessage());
    }

    private static NdArray resized(NdArray a, int axis, int delta) {
        int[] shape = a.shape().clone();
        shape[axis] += delta;
        return NdArray.of(new float[Arrays.stream(shape).reduce(1, (x, y) -> x * y)], shape);
    }

    private static void assertNamed(String expected, Runnable read) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, read::run);
        assertTrue(e.getMessage().startsWith(expected), "expected '" + expected + "...', got: " + e.getMessage());
    }
}
