package dev.squall.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The header of a {@code .npy} file: magic string, format version, header length and the Python dict literal
 * giving dtype, memory order and shape. Formats exactly as {@code numpy.lib.format} does, so Squall writes the
 * same bytes as {@code np.save}.
 *
 * @param dtype the element type
 * @param order the byte order of the data that follows
 * @param shape the array's shape
 */
record NpyHeader(DType dtype, ByteOrder order, int[] shape) {

    /** {@code "\x93NUMPY"}, the first six bytes of every {@code .npy} file. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy aligns the start of the data to this many bytes. */
    static final int ALIGNMENT = 64;
    /**
     * NumPy leaves room after the dict for the first dimension to grow to this many digits, so that appending
     * writers can rewrite the header in place; we must do the same to write identical bytes.
     */
    static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** Header lengths beyond this are corrupt: a dict for any supported array is at most a few hundred kB. */
    static final int MAX_HEADER_BYTES = 1 << 20;

    private static final List<String> KEYS = List.of("descr", "fortran_order", "shape");

    /** The header {@link Npy#write} writes for an array. */
    static NpyHeader of(NdArray array) {
        return new NpyHeader(array.dtype(), ByteOrder.LITTLE_ENDIAN, array.shape());
    }

    /** Number of elements (fits in an int: parsing rejects larger shapes). */
    int elementCount() {
        return (int) NdArray.elementCount(shape);
    }

    /** Type and shape for messages, as {@link NdArray#describe()} gives them. */
    String describe() {
        return dtype.numpyName() + Arrays.toString(shape);
    }

    /** Number of data bytes that follow the header. */
    long dataBytes() {
        return (long) elementCount() * dtype.bytes();
    }

    /**
     * Reads a header from the start of a stream, leaving the stream at the first data byte.
     *
     * @param source the file being read, for messages
     * @throws NpyFormatException if the stream does not start with a supported, well-formed header
     */
    static NpyHeader read(InputStream in, String source) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new NpyFormatException(source, "not a .npy file (it does not start with the NumPy magic string"
                    + " \\x93NUMPY)");
        }
        byte[] version = readFully(in, 2, source, "format version");
        int major = version[0] & 0xff;
        int minor = version[1] & 0xff;
        if (minor != 0 || major < 1 || major > 3) {
            throw new NpyFormatException(source, "unsupported .npy format version " + major + "." + minor
                    + "; supported versions are 1.0, 2.0 and 3.0");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer length = ByteBuffer.wrap(readFully(in, lengthBytes, source, "header length"))
                .order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = major == 1 ? Short.toUnsignedInt(length.getShort()) : Integer.toUnsignedLong(length.getInt());
        if (headerLength > MAX_HEADER_BYTES) {
            throw new NpyFormatException(source, "header length " + headerLength + " is implausibly large"
                    + " (more than " + MAX_HEADER_BYTES + " bytes); the file is corrupt");
        }
        // versions 1.0 and 2.0 are latin-1; 3.0 allows utf-8 (for structured dtypes with unicode field names)
        Charset charset = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        String text = new String(readFully(in, (int) headerLength, source, "header"), charset);
        return parse(text, source);
    }

    /**
     * Parses the header dict, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}.
     *
     * @param source the file the header comes from, for messages
     * @throws NpyFormatException if the dict is malformed or describes an array Squall cannot hold
     */
    static NpyHeader parse(String text, String source) throws NpyFormatException {
        if (!(PyLiteral.parse(text, source) instanceof Map<?, ?> dict)) {
            throw new NpyFormatException(source, "malformed header: not a dict: \"" + text.strip() + "\"");
        }
        for (String key : KEYS) {
            if (!dict.containsKey(key)) {
                throw new NpyFormatException(source, "malformed header: no '" + key + "' in \"" + text.strip() + "\"");
            }
        }
        for (Object key : dict.keySet()) {
            if (!KEYS.contains(key)) {
                throw new NpyFormatException(source, "malformed header: unexpected key '" + key + "' in \""
                        + text.strip() + "\"");
            }
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String descrText)) {
            throw new NpyFormatException(source, "unsupported dtype " + descr + ": structured (record) dtypes are"
                    + " not supported; supported dtypes are " + DType.supportedList()
                    + ". Save each field as its own array");
        }
        DType dtype = DType.fromDescr(descrText, source);
        int[] shape = shape(dict.get("shape"), source);
        if (!(dict.get("fortran_order") instanceof Boolean fortranOrder)) {
            throw new NpyFormatException(source, "malformed header: 'fortran_order' is "
                    + dict.get("fortran_order") + ", not True or False");
        }
        // with at most one dimension longer than 1, Fortran and C order lay the data out identically
        if (fortranOrder && Arrays.stream(shape).filter(d -> d > 1).count() > 1) {
            throw new NpyFormatException(source, "the array is stored in Fortran (column-major) order, which is"
                    + " not supported; save it in C order with np.save(file, np.ascontiguousarray(arr))");
        }
        return new NpyHeader(dtype, DType.byteOrder(descrText), shape);
    }

    private static int[] shape(Object value, String source) throws NpyFormatException {
        if (!(value instanceof List<?> dims) || !dims.stream().allMatch(d -> d instanceof BigInteger)) {
            throw new NpyFormatException(source, "malformed header: 'shape' is " + value
                    + ", not a tuple of integers");
        }
        int[] shape = new int[dims.size()];
        BigInteger count = BigInteger.ONE;
        for (int i = 0; i < shape.length; i++) {
            BigInteger dim = (BigInteger) dims.get(i);
            if (dim.signum() < 0) {
                throw new NpyFormatException(source, "shape " + pythonTuple(dims) + " has a negative dimension");
            }
            if (dim.bitLength() >= Integer.SIZE) {
                throw new NpyFormatException(source, "shape " + pythonTuple(dims) + " has dimension " + dim
                        + ", more than a Java array can hold (" + Integer.MAX_VALUE + ")");
            }
            shape[i] = dim.intValue();
            count = count.multiply(dim);
        }
        if (count.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
            throw new NpyFormatException(source, "shape " + pythonTuple(dims) + " has " + count
                    + " elements, more than a Java array can hold (" + Integer.MAX_VALUE + ")");
        }
        return shape;
    }

    /** The complete header as written to a file: magic, version, length, dict and padding. */
    byte[] encode() {
        byte[] dict = dictText().getBytes(StandardCharsets.ISO_8859_1);
        // version 1.0 stores the header length in 2 bytes; 2.0 is only needed when that overflows
        byte[] header = wrap(dict, 1);
        return header != null ? header : wrap(dict, 2);
    }

    /**
     * The dict as {@code np.save} writes it: keys sorted, a trailing {@code ", "} after each value, and room for
     * the first dimension to grow.
     */
    String dictText() {
        String dict = "{'descr': '" + dtype.descr() + "', 'fortran_order': False, 'shape': "
                + pythonTuple(Arrays.stream(shape).boxed().toList()) + ", }";
        return shape.length == 0 ? dict : dict + " ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length());
    }

    /**
     * Magic, version, length, dict, spaces and {@code '\n'} such that the data starts at a multiple of
     * {@link #ALIGNMENT}; {@code null} if the length does not fit the version's length field.
     */
    private static byte[] wrap(byte[] dict, int major) {
        int prefix = MAGIC.length + 2 + (major == 1 ? 2 : 4);
        int withNewline = dict.length + 1;
        // exactly numpy's formula: an already aligned header still gets a full block of padding
        int padding = ALIGNMENT - (prefix + withNewline) % ALIGNMENT;
        int headerLength = withNewline + padding;
        if (major == 1 && headerLength > 0xffff) {
            return null;
        }
        ByteBuffer out = ByteBuffer.allocate(prefix + headerLength).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) headerLength);
        } else {
            out.putInt(headerLength);
        }
        out.put(dict);
        while (out.position() < out.limit() - 1) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        return out.array();
    }

    /** Python's repr of a tuple: {@code ()}, {@code (5,)}, {@code (2, 3)}. */
    private static String pythonTuple(List<?> items) {
        String joined = items.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return "(" + joined + (items.size() == 1 ? ",)" : ")");
    }

    private static byte[] readFully(InputStream in, int n, String source, String what) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new NpyFormatException(source, "truncated " + what + ": expected " + n + " bytes, found "
                    + bytes.length);
        }
        return bytes;
    }
}
