package dev.squall.engine.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes archives of named arrays in NumPy's {@code .npz} format: a zip file with one {@code .npy} entry
 * per array, as written by {@code np.savez} (stored) and {@code np.savez_compressed} (deflated).
 */
public final class Npz {
    private static final String NPY_SUFFIX = ".npy";
    /** Deflate expands its input at most about 1032-fold (zlib's documented limit). */
    static final long MAX_DEFLATE_RATIO = 1032;

    private Npz() {
    }

    /**
     * Reads every array in a {@code .npz} file.
     *
     * @return the arrays in archive order, keyed by entry name without the {@code .npy} suffix (as {@code np.load}
     *         names them)
     * @throws NpyFormatException if the file is not a zip archive, an entry is corrupt or is not a {@code .npy}
     *                            array Squall can read
     * @throws IOException        if the file cannot be read
     */
    public static Map<String, NdArray> read(Path file) throws IOException {
        String source = file.toString();
        long fileSize = Files.isRegularFile(file) ? Files.size(file) : -1;
        try (ZipFile zip = open(file)) {
            Map<String, NdArray> arrays = new LinkedHashMap<>();
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (!entry.isDirectory()) {
                    String entrySource = source + ":" + entry.getName();
                    NdArray array = readEntry(zip, entry, entrySource, fileSize);
                    if (arrays.putIfAbsent(key(entry.getName()), array) != null) {
                        throw new NpyFormatException(entrySource, "a second array named '" + key(entry.getName())
                                + "' in the archive");
                    }
                }
            }
            return arrays;
        }
    }

    /**
     * Writes arrays to a {@code .npz} file as {@code np.savez} does: entry {@code key + ".npy"} per array, stored
     * uncompressed (weights rarely compress, and stored entries read fastest), in the map's iteration order.
     * Replaces the file if it exists, only once the whole archive is written ({@link AtomicFiles}): a failed write
     * leaves any earlier file as it was.
     */
    public static void write(Path file, Map<String, NdArray> arrays) throws IOException {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, NdArray> named : arrays.entrySet()) {
                String name = Objects.requireNonNull(named.getKey(), "array name") + NPY_SUFFIX;
                NdArray array = Objects.requireNonNull(named.getValue(), () -> "array " + named.getKey());
                zip.putNextEntry(storedEntry(name, array));
                Npy.write(zip, array);
                zip.closeEntry();
            }
            zip.finish(); // the central directory; the stream itself is AtomicFiles'
        });
    }

    private static ZipFile open(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException | EOFException e) { // EOF: the JDK's reader runs off a corrupt end record
            throw new NpyFormatException(file.toString(), "not a .npz file: " + notZipReason(file, e), e);
        }
    }

    /** Why a file is not a zip archive, spotting the common mistake of passing a single {@code .npy} file. */
    private static String notZipReason(Path file, IOException e) throws IOException {
        byte[] start;
        try (InputStream in = Files.newInputStream(file)) {
            start = in.readNBytes(NpyHeader.MAGIC.length);
        }
        if (Arrays.equals(start, NpyHeader.MAGIC)) {
            return "it is a single-array .npy file; read it with Npy.read";
        }
        return "not a valid zip archive (" + e.getMessage() + ")";
    }

    private static NdArray readEntry(ZipFile zip, ZipEntry entry, String source, long fileSize) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            return Npy.read(in, source, entryBytes(entry, fileSize));
        } catch (ZipException | EOFException e) {
            // raised by the inflater or the zip reader when entry data is damaged or cut short
            throw new NpyFormatException(source, "corrupt archive entry (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The most bytes an entry can hold, or {@code -1} if unknown: its declared size, but never more than its stored
     * bytes can be (the archive's size, and for a deflated entry {@link #MAX_DEFLATE_RATIO} times its compressed
     * size), since a corrupt or hostile directory may declare any size.
     */
    static long entryBytes(ZipEntry entry, long fileSize) {
        long stored = minKnown(entry.getCompressedSize(), fileSize);
        long most = stored < 0 || entry.getMethod() == ZipEntry.STORED ? stored
                : Math.min(stored, Long.MAX_VALUE / MAX_DEFLATE_RATIO - 1) * MAX_DEFLATE_RATIO + 1024;
        return minKnown(entry.getSize(), most);
    }

    /** The smaller of two sizes, either of which may be unknown ({@code -1}). */
    private static long minKnown(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    private static String key(String entryName) {
        return entryName.endsWith(NPY_SUFFIX)
                ? entryName.substring(0, entryName.length() - NPY_SUFFIX.length())
                : entryName;
    }

    /** A stored (uncompressed) entry, which zip requires to carry its size and CRC before its data. */
    private static ZipEntry storedEntry(String name, NdArray array) throws IOException {
        CRC32 crc = new CRC32();
        try (OutputStream checksum = new CheckedOutputStream(OutputStream.nullOutputStream(), crc)) {
            // serialising twice costs CPU but avoids holding a second copy of a possibly huge array
            Npy.write(checksum, array);
        }
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(Npy.byteCount(array));
        entry.setCompressedSize(entry.getSize());
        entry.setCrc(crc.getValue());
        return entry;
    }
}
