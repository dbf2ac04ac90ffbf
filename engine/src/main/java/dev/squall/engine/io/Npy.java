package dev.squall.engine.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes single arrays in NumPy's {@code .npy} format, as {@code np.load} and {@code np.save} do.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0, either byte order, and the dtypes of {@link DType}; anything
 * else is rejected with an {@link NpyFormatException} naming the file. Writing produces exactly the bytes
 * {@code np.save} would for the same array: version 1.0 (2.0 only if the header needs it), little endian, C order,
 * data aligned to 64 bytes.
 */
public final class Npy {
    private Npy() {
    }

    /**
     * Reads a {@code .npy} file.
     *
     * @throws NpyFormatException if the file is not a {@code .npy} file Squall can read
     * @throws IOException        if the file cannot be read
     */
    public static NdArray read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), Files.isRegularFile(file) ? Files.size(file) : -1); // a pipe has no size
        }
    }

    /**
     * Reads one array in {@code .npy} format from a stream. Reads exactly the header and data, no further, and
     * does not close the stream.
     *
     * @param source what the stream reads, e.g. a file name, for messages
     * @throws NpyFormatException if the stream does not hold a {@code .npy} array Squall can read
     * @throws IOException        if the stream cannot be read
     */
    public static NdArray read(InputStream in, String source) throws IOException {
        return read(in, source, -1);
    }

    /**
     * {@link #read(InputStream, String)} from a stream of at most {@code size} bytes: a header that declares more
     * data than that is an {@link NpyFormatException} before anything is allocated. With an unknown size
     * ({@code -1}) the array grows with the data actually read, so a false header cannot make the reader allocate
     * much more than the stream holds either.
     *
     * @param size the number of bytes the stream holds from its current position, or {@code -1} if unknown
     */
    public static NdArray read(InputStream in, String source, long size) throws IOException {
        CountingInputStream counted = new CountingInputStream(in);
        NpyHeader header = NpyHeader.read(counted, source);
        long available = size < 0 ? -1 : Math.max(0, size - counted.count);
        return new NdArray(header.dtype(), header.shape(), NpyData.read(in, header, source, available));
    }

    /** Counts the bytes read through it (the header's, whose length varies). */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }

    /**
     * Writes an array to a {@code .npy} file, replacing the file if it exists, only once the whole file is written
     * ({@link AtomicFiles}): a failed write leaves any earlier file as it was.
     */
    public static void write(Path file, NdArray array) throws IOException {
        AtomicFiles.write(file, out -> write(out, array));
    }

    /** Writes an array in {@code .npy} format to a stream, which is neither flushed nor closed. */
    public static void write(OutputStream out, NdArray array) throws IOException {
        out.write(NpyHeader.of(array).encode());
        NpyData.write(out, array);
    }

    /** The number of bytes {@link #write(OutputStream, NdArray)} writes for an array. */
    static long byteCount(NdArray array) {
        NpyHeader header = NpyHeader.of(array);
        return header.encode().length + header.dataBytes();
    }
}
