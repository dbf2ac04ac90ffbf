package dev.squall.engine.io;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The element types Squall reads and writes, with their NumPy type descriptors. Written files are always little
 * endian; big-endian files are accepted on read and converted.
 */
public enum DType {
    /** {@code np.float32}, held as {@code float[]}. */
    FLOAT32("<f4", 4),
    /** {@code np.float16}, held as {@code short[]} of raw IEEE 754 half-precision bits. */
    FLOAT16("<f2", 2),
    /** {@code np.int8}, held as {@code byte[]}. */
    INT8("|i1", 1),
    /** {@code np.int32}, held as {@code int[]}. */
    INT32("<i4", 4),
    /** {@code np.bool_}, held as {@code byte[]} of 0 and 1. */
    BOOL("|b1", 1),
    /** {@code np.int16}, held as {@code short[]} (e.g. bfloat16 bits, which NumPy has no type for). */
    INT16("<i2", 2),
    /** {@code np.int64}, held as {@code long[]} (token ids, as PyTorch saves them). */
    INT64("<i8", 8);

    private final String descr;
    private final int bytes;

    DType(String descr, int bytes) {
        this.descr = descr;
        this.bytes = bytes;
    }

    /** The NumPy descriptor written to files, e.g. {@code "<f4"}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The NumPy name, e.g. {@code "float32"}, {@code "bool"}. */
    public String numpyName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The type a NumPy descriptor stands for. Any byte-order mark is accepted ({@code '<'}, {@code '>'},
     * {@code '|'}, {@code '='}); see {@link #byteOrder(String)} for which order the data is in.
     *
     * @param descr  the {@code 'descr'} of a {@code .npy} header, e.g. {@code "<f4"} or {@code ">i4"}
     * @param source the file the descriptor comes from, for the message
     * @throws NpyFormatException naming {@code source}, the type, and the supported types, if it is not supported
     */
    public static DType fromDescr(String descr, String source) throws NpyFormatException {
        String code = hasByteOrderMark(descr) ? descr.substring(1) : descr;
        for (DType type : values()) {
            if (type.descr.substring(1).equals(code)) {
                return type;
            }
        }
        throw new NpyFormatException(source, "unsupported dtype '" + descr + "'" + numpyNameHint(code)
                + "; supported dtypes are " + supportedList()
                + ". Convert the array before saving, e.g. arr.astype(np.float32)");
    }

    /**
     * The byte order of data with this descriptor: big endian for a {@code '>'} mark, little endian otherwise
     * ({@code '='} means the writer's native order, which for NumPy on every common platform is little endian).
     */
    static ByteOrder byteOrder(String descr) {
        return descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    private static boolean hasByteOrderMark(String descr) {
        return !descr.isEmpty() && "<>|=".indexOf(descr.charAt(0)) >= 0;
    }

    /** " (float64)"-style hint for common NumPy type codes, so the message says what the array actually is. */
    private static String numpyNameHint(String code) {
        if (code.equals("O")) {
            return " (object)";
        }
        if (code.startsWith("V")) {
            return " (void/structured)";
        }
        if (!code.matches("[fiucb][0-9]{1,2}")) {
            return "";
        }
        String kind = switch (code.charAt(0)) {
            case 'f' -> "float";
            case 'i' -> "int";
            case 'u' -> "uint";
            case 'c' -> "complex";
            default -> "bool";
        };
        return " (" + kind + (8 * Integer.parseInt(code.substring(1))) + ")";
    }

    /** "float32 ('<f4'), ..." for messages. */
    static String supportedList() {
        return Arrays.stream(values())
                .map(t -> t.numpyName() + " ('" + t.descr + "')")
                .collect(Collectors.joining(", "));
    }
}
