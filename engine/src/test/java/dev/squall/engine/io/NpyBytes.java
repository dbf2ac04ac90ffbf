package dev.squall.engine.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds {@code .npy} byte strings by hand, independently of {@link NpyHeader}, for tests. */
final class NpyBytes {
    private NpyBytes() {
    }

    /**
     * A file of the given format version: magic, version, little-endian header length (2 bytes for 1.0, else 4),
     * the dict padded with spaces and a final newline to a multiple of 64 bytes, then the data.
     */
    static byte[] npy(int major, String dict, byte[] data) {
        int prefix = 8 + (major == 1 ? 2 : 4);
        int headerLength = roundUp(prefix + dict.length() + 1, 64) - prefix;
        ByteBuffer b = ByteBuffer.allocate(prefix + headerLength + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) headerLength);
        } else {
            b.putInt(headerLength);
        }
        b.put(dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
        while (b.position() < prefix + headerLength - 1) {
            b.put((byte) ' ');
        }
        return b.put((byte) '\n').put(data).array();
    }

    /** A version 1.0 file with the standard dict for this descr and shape text, e.g. {@code "(2, 3)"}. */
    static byte[] npy(String descr, String shape, byte[] data) {
        return npy(1, dict(descr, shape), data);
    }

    static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(order);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    static byte[] ints(ByteOrder order, int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(order);
        b.asIntBuffer().put(values);
        return b.array();
    }

    static byte[] shorts(ByteOrder order, short... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(order);
        b.asShortBuffer().put(values);
        return b.array();
    }

    static byte[] toBytes(NdArray array) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Npy.write(out, array);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path file(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
