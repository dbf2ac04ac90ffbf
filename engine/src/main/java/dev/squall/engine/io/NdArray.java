package dev.squall.engine.io;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array: element type, shape, and the elements in C (row-major) order.
 *
 * <p>The data is a {@code float[]} for {@link DType#FLOAT32}, a {@code short[]} of raw half-precision bits for
 * {@link DType#FLOAT16}, a {@code byte[]} for {@link DType#INT8} and for {@link DType#BOOL} (0 or 1 only), and an
 * {@code int[]} for {@link DType#INT32}, a {@code short[]} for {@link DType#INT16}. Its length is the product of the shape, which is 1 for a scalar (shape
 * {@code []}). The shape is copied in and out; the data is shared, not copied, so large arrays cost nothing extra.
 *
 * <p>Two arrays are {@linkplain #equals equal} when dtype, shape and every element are equal (floats compared
 * by bits as {@link Arrays#equals(float[], float[])} does: NaN equals NaN, 0.0 differs from -0.0).
 *
 * @param dtype the element type
 * @param shape the size of each dimension, outermost first; empty for a scalar
 * @param data  the elements in C order, a primitive array of the type {@code dtype} requires
 */
public record NdArray(DType dtype, int[] shape, Object data) {

    /** Elements shown by {@link #toString()} before it elides the rest. */
    private static final int TO_STRING_ELEMENTS = 8;

    /**
     * Checks that the data fits the dtype and shape; keeps a copy of the shape and the data itself.
     *
     * @throws IllegalArgumentException if a dimension is negative, the shape has more than
     *                                  {@link Integer#MAX_VALUE} elements, the data is not the array type
     *                                  {@code dtype} requires or not as long as the shape says, or
     *                                  {@link DType#BOOL} data holds a value other than 0 or 1
     */
    public NdArray {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long expected = elementCount(shape);
        if (expected < 0) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has "
                    + (Arrays.stream(shape).anyMatch(d -> d < 0) ? "a negative dimension"
                            : "more than " + Integer.MAX_VALUE + " elements"));
        }
        Class<?> required = arrayClass(dtype);
        if (data.getClass() != required) {
            throw new IllegalArgumentException(dtype.numpyName() + " data must be a " + required.getSimpleName()
                    + ", not " + data.getClass().getSimpleName());
        }
        int length = Array.getLength(data);
        if (length != expected) {
            throw new IllegalArgumentException("data has " + length + " elements but shape "
                    + Arrays.toString(shape) + " needs " + expected);
        }
        if (dtype == DType.BOOL) {
            requireZeroOrOne((byte[]) data);
        }
    }

    /** A {@link DType#FLOAT32} array. */
    public static NdArray of(float[] data, int... shape) {
        return new NdArray(DType.FLOAT32, shape, data);
    }

    /** A {@link DType#FLOAT16} array from raw IEEE 754 half-precision bits (see {@link Float#floatToFloat16}). */
    public static NdArray ofHalf(short[] bits, int... shape) {
        return new NdArray(DType.FLOAT16, shape, bits);
    }

    /** An {@link DType#INT8} array. */
    public static NdArray of(byte[] data, int... shape) {
        return new NdArray(DType.INT8, shape, data);
    }

    /** A {@link DType#BOOL} array; every byte must be 0 (false) or 1 (true). */
    public static NdArray ofBool(byte[] data, int... shape) {
        return new NdArray(DType.BOOL, shape, data);
    }

    /** An {@link DType#INT16} array. */
    public static NdArray ofInt16(short[] data, int... shape) {
        return new NdArray(DType.INT16, shape, data);
    }

    /** An {@link DType#INT32} array. */
    public static NdArray of(int[] data, int... shape) {
        return new NdArray(DType.INT32, shape, data);
    }

    /** An {@link DType#INT64} array. */
    public static NdArray of(long[] data, int... shape) {
        return new NdArray(DType.INT64, shape, data);
    }

    /** A copy of the shape. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of dimensions; 0 for a scalar. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements: the product of the shape. */
    public long size() {
        return elementCount(shape);
    }

    /**
     * The size of one dimension.
     *
     * @param axis 0 for the outermost; negative counts from the end, -1 being the innermost
     * @throws IllegalArgumentException if there is no such axis
     */
    public int dim(int axis) {
        int index = axis < 0 ? axis + shape.length : axis;
        if (index < 0 || index >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for " + describe());
        }
        return shape[index];
    }

    /**
     * The elements as floats: the data array itself (not a copy) for {@link DType#FLOAT32}, a converted copy for
     * {@link DType#FLOAT16}, {@link DType#INT8}, {@link DType#INT16} and {@link DType#INT32}.
     *
     * @throws IllegalArgumentException for {@link DType#BOOL}
     */
    public float[] toFloats() {
        return switch (data) {
            case float[] f -> f;
            case short[] half when dtype == DType.FLOAT16 -> {
                float[] out = new float[half.length];
                for (int i = 0; i < half.length; i++) {
                    out[i] = Float.float16ToFloat(half[i]);
                }
                yield out;
            }
            case short[] s -> {
                float[] out = new float[s.length];
                for (int i = 0; i < s.length; i++) {
                    out[i] = s[i];
                }
                yield out;
            }
            case byte[] b when dtype == DType.INT8 -> {
                float[] out = new float[b.length];
                for (int i = 0; i < b.length; i++) {
                    out[i] = b[i];
                }
                yield out;
            }
            case int[] ints -> {
                float[] out = new float[ints.length];
                for (int i = 0; i < ints.length; i++) {
                    out[i] = ints[i];
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("cannot convert " + describe() + " to floats");
        };
    }

    /**
     * The elements as ints: the data array itself (not a copy) for {@link DType#INT32}, a widened copy for
     * {@link DType#INT8}, {@link DType#INT16} and {@link DType#BOOL}, a narrowed copy for {@link DType#INT64}.
     *
     * @throws IllegalArgumentException for {@link DType#FLOAT32} and {@link DType#FLOAT16}, and for an
     *                                  {@link DType#INT64} element outside the int range
     */
    public int[] toInts() {
        return switch (data) {
            case int[] ints -> ints;
            case long[] longs -> {
                int[] out = new int[longs.length];
                for (int i = 0; i < longs.length; i++) {
                    if (longs[i] != (int) longs[i]) {
                        throw new IllegalArgumentException("element " + i + " of " + describe() + " is " + longs[i]
                                + ", outside the int range");
                    }
                    out[i] = (int) longs[i];
                }
                yield out;
            }
            case short[] s when dtype == DType.INT16 -> {
                int[] out = new int[s.length];
                for (int i = 0; i < s.length; i++) {
                    out[i] = s[i];
                }
                yield out;
            }
            case byte[] b -> {
                int[] out = new int[b.length];
                for (int i = 0; i < b.length; i++) {
                    out[i] = b[i];
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("cannot convert " + describe()
                    + " to ints; floating-point data must be rounded explicitly");
        };
    }

    /** Type and shape for messages, e.g. {@code "float32[2, 3, 4]"}, {@code "int32[]"} for a scalar. */
    public String describe() {
        return dtype.numpyName() + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NdArray other
                && dtype == other.dtype
                && Arrays.equals(shape, other.shape)
                && Objects.deepEquals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.deepHashCode(new Object[] {data});
    }

    /** Type, shape and the first few elements, e.g. {@code "float32[2, 3] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]"}. */
    @Override
    public String toString() {
        int length = Array.getLength(data);
        StringBuilder s = new StringBuilder(describe()).append(" [");
        for (int i = 0; i < Math.min(length, TO_STRING_ELEMENTS); i++) {
            s.append(i == 0 ? "" : ", ").append(element(i));
        }
        return s.append(length > TO_STRING_ELEMENTS ? ", ...]" : "]").toString();
    }

    /** One element for display: FLOAT16 bits are shown as their float value, BOOL as true/false. */
    private Object element(int i) {
        return switch (data) {
            case short[] half when dtype == DType.FLOAT16 -> Float.float16ToFloat(half[i]);
            case byte[] b when dtype == DType.BOOL -> b[i] != 0;
            default -> Array.get(data, i);
        };
    }

    /**
     * The number of elements of a shape, or -1 if a dimension is negative or the count exceeds
     * {@link Integer#MAX_VALUE} (the most a Java array can hold).
     */
    static long elementCount(int[] shape) {
        if (Arrays.stream(shape).anyMatch(d -> d < 0)) {
            return -1;
        }
        long count = 1;
        for (int dim : shape) {
            // saturate just above the limit: count <= 2^31 and dim < 2^31, so the product cannot overflow a long,
            // and a later zero dimension still brings the count to 0
            count = Math.min(count * dim, Integer.MAX_VALUE + 1L);
        }
        return count > Integer.MAX_VALUE ? -1 : count;
    }

    private static Class<?> arrayClass(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> float[].class;
            case FLOAT16, INT16 -> short[].class;
            case INT8, BOOL -> byte[].class;
            case INT32 -> int[].class;
            case INT64 -> long[].class;
        };
    }

    private static void requireZeroOrOne(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            if ((data[i] & ~1) != 0) {
                throw new IllegalArgumentException("bool data must be 0 or 1, but element " + i + " is " + data[i]);
            }
        }
    }
}
