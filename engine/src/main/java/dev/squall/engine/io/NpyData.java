package dev.squall.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Moves array data between streams and primitive arrays in bulk: bytes go through a reusable buffer of at most
 * {@link #CHUNK_BYTES} and are converted with {@link ByteBuffer} views, so a large file costs neither per-element
 * stream calls nor a second copy of the whole array.
 */
final class NpyData {
    /** Large enough that per-chunk overhead vanishes, small enough to stay in cache-friendly territory. */
    static final int CHUNK_BYTES = 1 << 20;

    private NpyData() {
    }

    /**
     * Reads exactly the data a header describes (never more, so the stream can hold further content).
     *
     * @param source the file being read, for messages
     * @throws NpyFormatException if the stream ends before all the data
     */
    static Object read(InputStream in, NpyHeader header, String source) throws IOException {
        int count = header.elementCount();
        return switch (header.dtype()) {
            case INT8 -> readFully(in, new byte[count], header, source);
            case BOOL -> normaliseBools(readFully(in, new byte[count], header, source));
            case FLOAT32 -> readConverting(in, new float[count], header, source);
            case FLOAT16 -> readConverting(in, new short[count], header, source);
            case INT32 -> readConverting(in, new int[count], header, source);
            case INT16 -> readConverting(in, new short[count], header, source);
            case INT64 -> readConverting(in, new long[count], header, source);
        };
    }

    /** Writes an array's data in little-endian order. */
    static void write(OutputStream out, NdArray array) throws IOException {
        if (array.data() instanceof byte[] bytes) {
            out.write(bytes);
            return;
        }
        int elementBytes = array.dtype().bytes();
        byte[] chunk = new byte[chunkBytes(array.size() * elementBytes)];
        ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        forEachChunk(array.size(), elementBytes, (offset, n) -> {
            switch (array.data()) {
                case float[] f -> buffer.asFloatBuffer().put(f, offset, n);
                case short[] s -> buffer.asShortBuffer().put(s, offset, n);
                case int[] i -> buffer.asIntBuffer().put(i, offset, n);
                case long[] l -> buffer.asLongBuffer().put(l, offset, n);
                default -> throw new AssertionError(array.describe());
            }
            out.write(chunk, 0, n * elementBytes);
        });
    }

    private static byte[] readFully(InputStream in, byte[] data, NpyHeader header, String source)
            throws IOException {
        int found = in.readNBytes(data, 0, data.length);
        if (found < data.length) {
            throw truncated(header, found, source);
        }
        return data;
    }

    /** NumPy treats any nonzero byte as True; {@link NdArray} holds exactly 0 or 1. */
    private static byte[] normaliseBools(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (data[i] == 0 ? 0 : 1);
        }
        return data;
    }

    private static Object readConverting(InputStream in, Object data, NpyHeader header, String source)
            throws IOException {
        int elementBytes = header.dtype().bytes();
        byte[] chunk = new byte[chunkBytes(header.dataBytes())];
        ByteBuffer buffer = ByteBuffer.wrap(chunk).order(header.order());
        forEachChunk(header.elementCount(), elementBytes, (offset, n) -> {
            int found = in.readNBytes(chunk, 0, n * elementBytes);
            if (found < n * elementBytes) {
                throw truncated(header, (long) offset * elementBytes + found, source);
            }
            switch (data) {
                case float[] f -> buffer.asFloatBuffer().get(f, offset, n);
                case short[] s -> buffer.asShortBuffer().get(s, offset, n);
                case int[] i -> buffer.asIntBuffer().get(i, offset, n);
                case long[] l -> buffer.asLongBuffer().get(l, offset, n);
                default -> throw new AssertionError(header.dtype());
            }
        });
        return data;
    }

    private static NpyFormatException truncated(NpyHeader header, long found, String source) {
        return new NpyFormatException(source, "truncated data: expected " + header.dataBytes()
                + " bytes of data for " + header.describe() + ", found " + found);
    }

    /** What to do with elements {@code [offset, offset + n)}. */
    private interface ChunkAction {
        void apply(int offset, int n) throws IOException;
    }

    /** Calls {@code action} on consecutive runs of elements that each fill at most one chunk. */
    private static void forEachChunk(long count, int elementBytes, ChunkAction action) throws IOException {
        int perChunk = CHUNK_BYTES / elementBytes;
        for (long offset = 0; offset < count; offset += perChunk) {
            action.apply((int) offset, (int) Math.min(perChunk, count - offset));
        }
    }

    private static int chunkBytes(long totalBytes) {
        return (int) Math.min(CHUNK_BYTES, totalBytes);
    }
}
