package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NdArrayTest {

    private static void assertRejected(String expectedFragment, Runnable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
        assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
    }

    @Test
    void factoriesPickTheDtype() {
        assertEquals(DType.FLOAT32, NdArray.of(new float[2], 2).dtype());
        assertEquals(DType.FLOAT16, NdArray.ofHalf(new short[2], 2).dtype());
        assertEquals(DType.INT8, NdArray.of(new byte[2], 2).dtype());
        assertEquals(DType.BOOL, NdArray.ofBool(new byte[2], 2).dtype());
        assertEquals(DType.INT32, NdArray.of(new int[2], 2).dtype());
    }

    @Test
    void rejectsDataOfTheWrongType() {
        assertRejected("float32 data must be a float[], not int[]", () -> new NdArray(DType.FLOAT32, new int[] {2}, new int[2]));
        assertRejected("float16 data must be a short[]", () -> new NdArray(DType.FLOAT16, new int[] {2}, new float[2]));
        assertRejected("bool data must be a byte[]", () -> new NdArray(DType.BOOL, new int[] {2}, new int[2]));
    }

    @Test
    void rejectsDataWhoseLengthDoesNotMatchTheShape() {
        assertRejected("data has 5 elements but shape [2, 3] needs 6", () -> NdArray.of(new float[5], 2, 3));
        // no shape means a scalar, which holds exactly one element
        assertRejected("data has 3 elements but shape [] needs 1", () -> NdArray.of(new float[3]));
    }

    @Test
    void rejectsNegativeAndOverflowingShapes() {
        assertRejected("negative dimension", () -> NdArray.of(new float[0], 0, -1));
        assertRejected("more than 2147483647 elements", () -> NdArray.of(new float[0], 65536, 65536));
        // a zero dimension empties the array, however large the others
        assertEquals(0, NdArray.of(new float[0], 65536, 65536, 0).size());
    }

    @Test
    void boolDataMustBeZeroOrOne() {
        assertRejected("element 2 is 2", () -> NdArray.ofBool(new byte[] {0, 1, 2}, 3));
    }

    @Test
    void rankSizeAndDims() {
        NdArray a = NdArray.of(new float[24], 2, 3, 4);
        assertEquals(3, a.rank());
        assertEquals(24, a.size());
        assertEquals(2, a.dim(0));
        assertEquals(4, a.dim(2));
        assertEquals(4, a.dim(-1));
        assertEquals(2, a.dim(-3));
        assertRejected("axis 3 is out of range for float32[2, 3, 4]", () -> a.dim(3));
        assertRejected("axis -4 is out of range", () -> a.dim(-4));

        NdArray scalar = NdArray.of(new int[] {7});
        assertEquals(0, scalar.rank());
        assertEquals(1, scalar.size());
    }

    @Test
    void shapeIsCopiedInAndOut() {
        int[] shape = {2, 3};
        NdArray a = NdArray.of(new float[6], shape);
        shape[0] = 99;
        a.shape()[1] = 99;
        assertArrayEquals(new int[] {2, 3}, a.shape());
    }

    @Test
    void toFloatsReturnsFloat32DataItselfAndConvertsTheRest() {
        float[] data = {1.5f, -2f};
        assertSame(data, NdArray.of(data, 2).toFloats());
        short[] half = {Float.floatToFloat16(1.5f), Float.floatToFloat16(-65504f), Float.floatToFloat16(Float.NaN)};
        float[] fromHalf = NdArray.ofHalf(half, 3).toFloats();
        assertEquals(1.5f, fromHalf[0]);
        assertEquals(-65504f, fromHalf[1]);
        assertTrue(Float.isNaN(fromHalf[2]));
        assertArrayEquals(new float[] {-128f, 127f}, NdArray.of(new byte[] {-128, 127}, 2).toFloats());
        assertArrayEquals(new float[] {-7f, 16777216f}, NdArray.of(new int[] {-7, 1 << 24}, 2).toFloats());
        assertRejected("cannot convert bool[2] to floats", () -> NdArray.ofBool(new byte[] {0, 1}, 2).toFloats());
    }

    @Test
    void toIntsReturnsInt32DataItselfAndWidensBytes() {
        int[] data = {1, -2};
        assertSame(data, NdArray.of(data, 2).toInts());
        assertArrayEquals(new int[] {-128, 127}, NdArray.of(new byte[] {-128, 127}, 2).toInts());
        assertArrayEquals(new int[] {0, 1, 1}, NdArray.ofBool(new byte[] {0, 1, 1}, 3).toInts());
        assertArrayEquals(new int[] {-32768, 7}, NdArray.ofInt16(new short[] {-32768, 7}, 2).toInts());
        assertArrayEquals(new float[] {-32768f, 7f}, NdArray.ofInt16(new short[] {-32768, 7}, 2).toFloats());
        assertRejected("cannot convert float32[1] to ints", () -> NdArray.of(new float[1], 1).toInts());
        assertRejected("cannot convert float16[1] to ints", () -> NdArray.ofHalf(new short[1], 1).toInts());
    }

    @Test
    void describeGivesTypeAndShape() {
        assertEquals("float32[2, 3, 4]", NdArray.of(new float[24], 2, 3, 4).describe());
        assertEquals("float16[5]", NdArray.ofHalf(new short[5], 5).describe());
        assertEquals("int8[0]", NdArray.of(new byte[0], 0).describe());
        assertEquals("bool[1]", NdArray.ofBool(new byte[1], 1).describe());
        assertEquals("int32[]", NdArray.of(new int[1]).describe());
    }

    @Test
    void equalityComparesContents() {
        NdArray a = NdArray.of(new float[] {1, 2, Float.NaN, 4, 5, 6}, 2, 3);
        NdArray same = NdArray.of(new float[] {1, 2, Float.NaN, 4, 5, 6}, 2, 3);
        assertEquals(a, same);
        assertEquals(a.hashCode(), same.hashCode());
        assertNotEquals(a, NdArray.of(new float[] {1, 2, Float.NaN, 4, 5, 6}, 3, 2));
        assertNotEquals(a, NdArray.of(new float[] {1, 2, Float.NaN, 4, 5, 7}, 2, 3));
        assertNotEquals(NdArray.of(new byte[] {0, 1}, 2), NdArray.ofBool(new byte[] {0, 1}, 2));
        assertEquals(NdArray.ofHalf(new short[] {1, 2}, 2), NdArray.ofHalf(new short[] {1, 2}, 2));
    }

    @Test
    void toStringShowsTheFirstElements() {
        assertEquals("float32[2] [1.0, 2.0]", NdArray.of(new float[] {1, 2}, 2).toString());
        assertEquals("bool[2] [false, true]", NdArray.ofBool(new byte[] {0, 1}, 2).toString());
        assertEquals("float16[1] [0.5]", NdArray.ofHalf(new short[] {Float.floatToFloat16(0.5f)}, 1).toString());
        assertEquals("int32[10] [0, 1, 2, 3, 4, 5, 6, 7, ...]",
                NdArray.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10).toString());
    }
}
