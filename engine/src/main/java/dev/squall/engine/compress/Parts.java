package dev.squall.engine.compress;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading and checking the packed arrays of a compressed weight, with errors that name the array. */
final class Parts {
    private Parts() {
    }

    /**
     * The data of part {@code part} of the weight called {@code name}, required to have {@code dtype} and
     * {@code shape}; a missing part or a wrong type or size (corrupt packed data) is an error naming both.
     */
    static Object require(String name, Map<String, NdArray> parts, String part, DType dtype, int... shape) {
        NdArray a = parts.get(part);
        String full = name + "." + part;
        if (a == null) {
            throw new IllegalArgumentException("missing packed array " + full + "; found " + parts.keySet());
        }
        if (a.dtype() != dtype || !Arrays.equals(a.shape(), shape)) {
            throw new IllegalArgumentException("packed array " + full + " must be " + dtype.numpyName()
                    + Arrays.toString(shape) + ", got " + a.describe() + " (corrupt or mismatched packed data)");
        }
        return a.data();
    }

    /** The packed arrays of a layer of {@code format}, named by its facts' parts in order. */
    static Map<String, NdArray> named(FormatFacts format, NdArray... arrays) {
        if (arrays.length != format.parts().size()) {
            throw new IllegalStateException(format.name() + " stores parts " + format.parts() + ", got " + arrays.length);
        }
        Map<String, NdArray> m = new LinkedHashMap<>();
        for (int i = 0; i < arrays.length; i++) {
            m.put(format.parts().get(i), arrays[i]);
        }
        return m;
    }

    /** A scalar int32 parameter of the format, e.g. the group size. */
    static int intParameter(String name, Map<String, NdArray> parts, String part) {
        return ((int[]) require(name, parts, part, DType.INT32, 1))[0];
    }

    /** Checks a packed array's length when a layer is built directly (not from a file). */
    static void checkLength(String what, int length, long expected) {
        if (length != expected) {
            throw new IllegalArgumentException(what + " must hold " + expected + " elements, got " + length
                    + " (corrupt or mismatched packed data)");
        }
    }

    /** Rows {@code [from, from + count)} of an array of {@code perRow} elements per row. */
    static byte[] rows(byte[] a, int perRow, int from, int count) {
        return Arrays.copyOfRange(a, from * perRow, (from + count) * perRow);
    }

    static short[] rows(short[] a, int perRow, int from, int count) {
        return Arrays.copyOfRange(a, from * perRow, (from + count) * perRow);
    }

    static int[] rows(int[] a, int perRow, int from, int count) {
        return Arrays.copyOfRange(a, from * perRow, (from + count) * perRow);
    }

    static float[] rows(float[] a, int perRow, int from, int count) {
        return Arrays.copyOfRange(a, from * perRow, (from + count) * perRow);
    }

    /** Checks a slice {@code [from, from + count)} of {@code out} outputs. */
    static void checkSlice(int from, int count, int out) {
        if (from < 0 || count < 1 || from + count > out) {
            throw new IllegalArgumentException("slice [" + from + ", " + (from + count) + ") outside " + out
                    + " outputs");
        }
    }

    /** Checks layer sizes and the bias length. */
    static void checkShape(int in, int out, float[] bias) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("linear layer sizes must be >= 1, got in=" + in + ", out=" + out);
        }
        checkLength("bias", bias.length, out);
    }
}
