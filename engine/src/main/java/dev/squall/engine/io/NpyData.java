package dev.squall.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

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
     * Reads exactly the data a header describes (never more, so the stream can hold further content), allocating
     * no more than the source can hold: when its size is known the header is checked against it first; when not,
     * the array grows with the data actually read (at most twice that, plus a chunk), so a false header in a small
     * input fails as truncated without a large allocation.
     *
     * @param source    the file being read, for messages
     * @param available the number of bytes the stream holds after the header, or {@code -1} if unknown
     * @throws NpyFormatException if the header declares more data than {@code available} or the stream ends
     *                            before all the data
     */
    static Object read(InputStream in, NpyHeader header, String source, long available) throws IOException {
        if (available >= 0 && header.dataBytes() > available) {
            throw truncated(header, available, source); // checked before allocating: the header may be false
        }
        int count = header.elementCount();
        int elementBytes = header.dtype().bytes();
        int perChunk = CHUNK_BYTES / elementBytes;
        int capacity = available >= 0 ? count : Math.min(count, perChunk);
        Object data = allocate(header.dtype(), capacity);
        byte[] chunk = new byte[chunkBytes(header.dataBytes())];
        ByteBuffer buffer = ByteBuffer.wrap(chunk).order(header.order());
        for (long at = 0; at < count; at += perChunk) {
            int offset = (int) at;
            int n = (int) Math.min(perChunk, count - at);
            int found = in.readNBytes(chunk, 0, n * elementBytes);
            if (found < n * elementBytes) {
                throw truncated(header, at * elementBytes + found, source);
            }
            if (capacity < offset + n) { // only when the size is unknown: grow with the data found
                capacity = (int) Math.min(count, Math.max(offset + n, 2L * offset));
                data = grow(data, capacity);
            }
            switch (data) {
                case byte[] b -> System.arraycopy(chunk, 0, b, offset, n);
                case float[] f -> buffer.asFloatBuffer().get(f, offset, n);
                case short[] sh -> buffer.asShortBuffer().get(sh, offset, n);
                case int[] i -> buffer.asIntBuffer().get(i, offset, n);
                case long[] l -> buffer.asLongBuffer().get(l, offset, n);
                default -> throw new AssertionError(header.dtype());
            }
        }
        return header.dtype() == DType.BOOL ? normaliseBools((byte[]) data) : data;
    }

    private static Object allocate(DType dtype, int length) {
        return switch (dtype) {
            case INT8, BOOL -> new byte[length];
            case FLOAT32 -> new float[length];
            case FLOAT16, INT16 -> new short[length];
            case INT32 -> new int[length];
            case INT64 -> new long[length];
        };
    }

    private static Object grow(Object data, int length) {
        return switch (data) {
            case byte[] b -> Arrays.copyOf(b, length);
            case float[] f -> Arrays.copyOf(f, length);
            case short[] sh -> Arrays.copyOf(sh, length);
            case int[] i -> Arrays.copyOf(i, length);
            case long[] l -> Arrays.copyOf(l, length);
            default -> throw new AssertionError(data.getClass());
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

    /** NumPy treats any nonzero byte as True; {@link NdArray} holds exactly 0 or 1. */
    private static byte[] normaliseBools(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (data[i] == 0 ? 0 : 1);
        }
        return data;
    }

    private static NpyFormatException truncated(NpyHeader header, long found, String source) {
        return new NpyFormatException(source, "truncated data: expected " + header.dataBytes()
                + " bytes of data for " + header.describe() + ", found " + found
                + " (the file is cut short or its header is corrupt)");
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
