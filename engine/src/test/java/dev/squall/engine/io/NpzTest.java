package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {
    /**
     * {@code np.savez(f, weights=np.arange(6, dtype=np.float32).reshape(2, 3), mask=np.array([True, False, True]))}
     * from NumPy 2.4, which writes zip64 extra fields into every local header.
     */
    private static final String NUMPY_SAVEZ = "UEsDBC0AAAAAAAAAIQBP6QAq//////////8LABQAd2VpZ2h0cy5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAgD8AAABAAABAQAAAgEAAAKBAUEsDBC0AAAAAAAAAIQAWk4y7//////////8IABQAbWFzay5ucHkBABAAgwAAAAAAAACDAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJ3xiMScsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQABUEsBAi0DLQAAAAAAAAAhAE/pACqYAAAAmAAAAAsAAAAAAAAAAAAAAIABAAAAAHdlaWdodHMubnB5UEsBAi0DLQAAAAAAAAAhABaTjLuDAAAAgwAAAAgAAAAAAAAAAAAAAIAB1QAAAG1hc2subnB5UEsFBgAAAAACAAIAbwAAAJIBAAAAAA==";
    /** The same arrays through {@code np.savez_compressed}. */
    private static final String NUMPY_SAVEZ_COMPRESSED = "UEsDBC0AAAAIAAAAIQBP6QAq//////////8LABQAd2VpZ2h0cy5ucHkBABAAmAAAAAAAAABVAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYwaLAHEg5ABMQNQLzAAQBQSwMELQAAAAgAAAAhABaTjLv//////////wgAFABtYXNrLm5weQEAEACDAAAAAAAAAEcAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgXpNkqK6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjqaOgq1ChQALkYGRgBQSwECLQMtAAAACAAAACEAT+kAKlUAAACYAAAACwAAAAAAAAAAAAAAgAEAAAAAd2VpZ2h0cy5ucHlQSwECLQMtAAAACAAAACEAFpOMu0cAAACDAAAACAAAAAAAAAAAAAAAgAGSAAAAbWFzay5ucHlQSwUGAAAAAAIAAgBvAAAAEwEAAAAA";

    @TempDir
    Path dir;

    private static Map<String, NdArray> sample() {
        Random random = new Random(3);
        Map<String, NdArray> arrays = new LinkedHashMap<>();
        // deliberately not in sorted order, to check that order is kept
        arrays.put("layer1/w", NpyTest.random(DType.FLOAT32, random, 3, 5));
        arrays.put("bias", NpyTest.random(DType.FLOAT16, random, 5));
        arrays.put("ids", NpyTest.random(DType.INT32, random, 4, 1, 3));
        arrays.put("q", NpyTest.random(DType.INT8, random, 7));
        arrays.put("mask", NpyTest.random(DType.BOOL, random, 2, 2));
        arrays.put("scale", NpyTest.random(DType.FLOAT32, random));
        arrays.put("empty", NpyTest.random(DType.FLOAT32, random, 0, 4));
        return arrays;
    }

    @Test
    void roundTripsKeepingNamesAndOrder() throws IOException {
        Map<String, NdArray> arrays = sample();
        Path file = dir.resolve("model.npz");
        Npz.write(file, arrays);

        Map<String, NdArray> back = Npz.read(file);
        assertEquals(new ArrayList<>(arrays.keySet()), new ArrayList<>(back.keySet()));
        assertEquals(arrays, back);
        assertTrue(back instanceof LinkedHashMap, back.getClass().getName());
    }

    @Test
    void writesStoredNpyEntriesLikeSavez() throws IOException {
        Map<String, NdArray> arrays = sample();
        Path file = dir.resolve("model.npz");
        Npz.write(file, arrays);

        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<String> names = new ArrayList<>();
            for (ZipEntry entry : Collections.list(zip.entries())) {
                names.add(entry.getName());
                assertEquals(ZipEntry.STORED, entry.getMethod(), entry.getName());
                String key = entry.getName().substring(0, entry.getName().length() - 4);
                assertArrayEquals(NpyBytes.toBytes(arrays.get(key)), zip.getInputStream(entry).readAllBytes());
            }
            assertEquals(arrays.keySet().stream().map(k -> k + ".npy").toList(), names);
        }
    }

    @Test
    void readsNumpysSavezAndSavezCompressed() throws IOException {
        Map<String, NdArray> expected = new LinkedHashMap<>();
        expected.put("weights", NdArray.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3));
        expected.put("mask", NdArray.ofBool(new byte[] {1, 0, 1}, 3));
        for (String base64 : new String[] {NUMPY_SAVEZ, NUMPY_SAVEZ_COMPRESSED}) {
            Path file = NpyBytes.file(dir, "numpy.npz", Base64.getDecoder().decode(base64));
            Map<String, NdArray> arrays = Npz.read(file);
            assertEquals(expected, arrays);
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(arrays.keySet()));
        }
    }

    /** A zip of the arrays with deflated entries, as {@code np.savez_compressed} writes. */
    private static byte[] deflatedZip(Map<String, NdArray> arrays) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, NdArray> named : arrays.entrySet()) {
                ZipEntry entry = new ZipEntry(named.getKey() + ".npy");
                entry.setMethod(ZipEntry.DEFLATED);
                zip.putNextEntry(entry);
                Npy.write(zip, named.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void readsDeflatedEntries() throws IOException {
        Map<String, NdArray> arrays = sample();
        arrays.put("big", NpyTest.random(DType.FLOAT32, new Random(5), 600, 1000));
        Path file = NpyBytes.file(dir, "compressed.npz", deflatedZip(arrays));
        assertEquals(arrays, Npz.read(file));
    }

    @Test
    void readsAnEmptyArchive() throws IOException {
        Path file = dir.resolve("none.npz");
        Npz.write(file, Map.of());
        assertEquals(Map.of(), Npz.read(file));
    }

    private String rejection(Path file) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(file));
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void rejectsFilesThatAreNotZipArchives() throws IOException {
        assertTrue(rejection(NpyBytes.file(dir, "text.npz", "not a zip".getBytes())).contains("not a .npz file"));
        assertTrue(rejection(NpyBytes.file(dir, "empty.npz", new byte[0])).contains("not a .npz file"));
        byte[] zip = deflatedZip(sample());
        Path cut = NpyBytes.file(dir, "cut.npz", java.util.Arrays.copyOf(zip, zip.length / 2));
        assertTrue(rejection(cut).contains("not a .npz file"));
    }

    @Test
    void pointsSingleArrayFilesToNpyRead() throws IOException {
        Path file = dir.resolve("single.npz");
        Npy.write(file, NdArray.of(new float[] {1}, 1));
        assertTrue(rejection(file).contains("read it with Npy.read"));
    }

    @Test
    void rejectsCorruptCompressedEntries() throws IOException {
        byte[] zip = deflatedZip(Map.of("w", NdArray.of(new float[64], 8, 8)));
        // the deflate stream starts after the 30-byte local header, the name and the extra field;
        // 0xFF there declares a block of the invalid type 3
        ByteBuffer local = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int dataStart = 30 + local.getShort(26) + local.getShort(28);
        java.util.Arrays.fill(zip, dataStart, dataStart + 8, (byte) 0xff);
        String message = rejection(NpyBytes.file(dir, "broken.npz", zip));
        assertTrue(message.contains("broken.npz:w.npy: corrupt archive entry"), message);
    }

    @Test
    void rejectsEntriesThatAreNotNpyArrays() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("w.npy"));
            zip.write(NpyBytes.npy("<f8", "(1,)", new byte[8]));
            zip.closeEntry();
        }
        String message = rejection(NpyBytes.file(dir, "float64.npz", bytes.toByteArray()));
        assertTrue(message.contains("float64.npz:w.npy: unsupported dtype '<f8'"), message);
    }

    /**
     * A member whose 200-byte {@code .npy} claims float32 (46340, 46340): a format error naming the member, stored
     * or deflated, before anything of the claimed 8.6 GB is allocated; the same when the archive's directory also
     * lies about the member's size.
     */
    @Test
    void falseMemberHeadersFailWithoutAllocatingTheClaimedSize() throws IOException {
        byte[] member = Arrays.copyOf(NpyBytes.npy("<f4", "(46340, 46340)", new byte[0]), 200);
        for (int method : new int[] {ZipEntry.STORED, ZipEntry.DEFLATED}) {
            for (boolean lyingSize : new boolean[] {false, true}) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                    ZipEntry entry = new ZipEntry("self_attn.in_proj_weight.npy");
                    entry.setMethod(method);
                    if (method == ZipEntry.STORED) {
                        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                        crc.update(member);
                        entry.setSize(member.length);
                        entry.setCrc(crc.getValue());
                    }
                    zip.putNextEntry(entry);
                    zip.write(member);
                    zip.closeEntry();
                }
                byte[] archive = bytes.toByteArray();
                if (lyingSize) { // the central directory's uncompressed size: 2^31 - 1
                    ByteBuffer b = ByteBuffer.wrap(archive).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i + 4 <= archive.length; i++) {
                        if (b.getInt(i) == 0x02014b50) {
                            b.putInt(i + 24, Integer.MAX_VALUE);
                        }
                    }
                }
                Path file = NpyBytes.file(dir, "false.npz", archive);
                long before = ReaderFuzz.allocatedBytes();
                String message = rejection(file);
                long allocated = ReaderFuzz.allocatedBytes() - before;
                String what = (method == ZipEntry.STORED ? "stored" : "deflated") + (lyingSize ? ", lying size" : "");
                assertTrue(message.contains("false.npz:self_attn.in_proj_weight.npy: "), what + ": " + message);
                assertTrue(allocated < ReaderFuzz.SLACK_BYTES, what + ": allocated " + allocated + " bytes");
            }
        }
    }

    @Test
    void fileNamesAreReportedForMissingFiles() {
        Path missing = dir.resolve("missing.npz");
        IOException e = assertThrows(IOException.class, () -> Npz.read(missing));
        assertTrue(e.getMessage().contains("missing.npz"), e.getMessage());
        assertTrue(Files.notExists(missing));
    }
}
