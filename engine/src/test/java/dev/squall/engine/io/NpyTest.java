package dev.squall.engine.io;

import static dev.squall.engine.io.NpyBytes.npy;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NpyTest {
    @TempDir
    Path dir;

    /** A random array of any dtype and shape. */
    static NdArray random(DType dtype, Random random, int... shape) {
        int n = (int) NdArray.elementCount(shape);
        return switch (dtype) {
            case FLOAT32 -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) random.nextGaussian();
                }
                yield NdArray.of(f, shape);
            }
            case FLOAT16 -> {
                short[] s = new short[n];
                for (int i = 0; i < n; i++) {
                    s[i] = (short) random.nextInt();
                }
                yield NdArray.ofHalf(s, shape);
            }
            case INT8 -> {
                byte[] b = new byte[n];
                random.nextBytes(b);
                yield NdArray.of(b, shape);
            }
            case BOOL -> {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) random.nextInt(2);
                }
                yield NdArray.ofBool(b, shape);
            }
            case INT32 -> NdArray.of(random.ints(n).toArray(), shape);
            case INT16 -> {
                short[] s = new short[n];
                for (int i = 0; i < n; i++) {
                    s[i] = (short) random.nextInt();
                }
                yield NdArray.ofInt16(s, shape);
            }
            case INT64 -> NdArray.of(random.longs(n).toArray(), shape);
        };
    }

    static Stream<Arguments> dtypesAndShapes() {
        int[][] shapes = {{}, {1}, {7}, {0}, {2, 3}, {3, 0}, {3, 5, 7}, {1, 1, 13}, {2, 3, 4, 5}};
        return Arrays.stream(DType.values())
                .flatMap(dtype -> Arrays.stream(shapes).map(shape -> Arguments.of(dtype, shape)));
    }

    @ParameterizedTest
    @MethodSource("dtypesAndShapes")
    void roundTripsEveryDtypeAndShapeThroughAFile(DType dtype, int[] shape) throws IOException {
        NdArray array = random(dtype, new Random(Arrays.hashCode(shape)), shape);
        Path file = dir.resolve("a.npy");
        Npy.write(file, array);

        NdArray back = Npy.read(file);
        assertEquals(array, back);
        byte[] bytes = Files.readAllBytes(file);
        long dataBytes = array.size() * dtype.bytes();
        assertEquals(0, (bytes.length - dataBytes) % 64, "data starts at a multiple of 64");
        String header = new String(bytes, 10, (int) (bytes.length - dataBytes - 10), StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '" + dtype.descr() + "', 'fortran_order': False, 'shape': "), header);
    }

    @Test
    void writesExactlyTheBytesNumpyWrites() throws IOException {
        // np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)): 10-byte prefix + header padded to 128 bytes
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        ByteBuffer expected = ByteBuffer.allocate(128 + 24).order(LITTLE_ENDIAN);
        expected.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) 118);
        expected.put((dict + " ".repeat(128 - 10 - dict.length() - 1) + "\n").getBytes(StandardCharsets.US_ASCII));
        expected.put(NpyBytes.floats(LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5));
        NdArray array = NdArray.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);

        assertArrayEquals(expected.array(), NpyBytes.toBytes(array));
        assertEquals(array, Npy.read(new ByteArrayInputStream(expected.array()), "golden.npy"));
    }

    @Test
    void padsForTheGrowthAxisAsNumpyDoes() {
        // checked against NumPy 2.4: without its growth-axis padding this header would fit in 128 bytes
        int[] shape = new int[15];
        Arrays.fill(shape, 1);
        byte[] bytes = NpyBytes.toBytes(NdArray.of(new float[1], shape));
        assertEquals(192 + 4, bytes.length);
        assertEquals(182, (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8);
    }

    @Test
    void readsScalarsAndOneDimensionalArrays() throws IOException {
        NdArray scalar = read(npy("<f4", "()", NpyBytes.floats(LITTLE_ENDIAN, 3.5f)));
        assertEquals(NdArray.of(new float[] {3.5f}), scalar);
        NdArray vector = read(npy("<i4", "(3,)", NpyBytes.ints(LITTLE_ENDIAN, 1, -2, 3)));
        assertEquals(NdArray.of(new int[] {1, -2, 3}, 3), vector);
    }

    @Test
    void convertsBigEndianData() throws IOException {
        assertEquals(NdArray.of(new float[] {1.5f, -2f, Float.MIN_VALUE, 1e30f}, 2, 2),
                read(npy(">f4", "(2, 2)", NpyBytes.floats(BIG_ENDIAN, 1.5f, -2f, Float.MIN_VALUE, 1e30f))));
        assertEquals(NdArray.of(new int[] {1, -2, Integer.MAX_VALUE}, 3),
                read(npy(">i4", "(3,)", NpyBytes.ints(BIG_ENDIAN, 1, -2, Integer.MAX_VALUE))));
        short[] half = {Float.floatToFloat16(1.5f), Float.floatToFloat16(-3f), (short) 0x7c01};
        assertEquals(NdArray.ofHalf(half, 3), read(npy(">f2", "(3,)", NpyBytes.shorts(BIG_ENDIAN, half))));
    }

    @Test
    void preservesAllFloat16BitPatternsExactly() throws IOException {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        NdArray array = NdArray.ofHalf(all, 256, 256);
        short[] back = (short[]) read(NpyBytes.toBytes(array)).data();
        assertArrayEquals(all, back);
        short[] fromBigEndian = (short[]) read(npy(">f2", "(65536,)", NpyBytes.shorts(BIG_ENDIAN, all))).data();
        assertArrayEquals(all, fromBigEndian);
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        NdArray expected = NdArray.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        byte[] data = NpyBytes.floats(LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6);
        for (int major = 2; major <= 3; major++) {
            byte[] bytes = npy(major, NpyBytes.dict("<f4", "(3, 2)"), data);
            assertEquals(major, bytes[6]);
            assertEquals(expected, read(bytes));
        }
    }

    @Test
    void writesVersion2OnlyWhenTheHeaderOutgrowsVersion1() throws IOException {
        // 22,000 unit dimensions make a dict of 66 kB, more than the 2-byte length of version 1.0 can say
        int[] shape = new int[22_000];
        Arrays.fill(shape, 1);
        NdArray array = NdArray.of(new int[] {42}, shape);
        byte[] bytes = NpyBytes.toBytes(array);
        assertEquals(2, bytes[6]);
        int headerLength = ByteBuffer.wrap(bytes, 8, 4).order(LITTLE_ENDIAN).getInt();
        assertEquals(0, (12 + headerLength) % 64);
        assertEquals(bytes.length, 12 + headerLength + 4);
        assertEquals(array, read(bytes));
    }

    @Test
    void roundTripsArraysLargerThanOneChunk() throws IOException {
        Random random = new Random(7);
        int[][] shapes = {{NpyData.CHUNK_BYTES / 4 * 2 + 3}, {NpyData.CHUNK_BYTES / 2 + 1}, {3, NpyData.CHUNK_BYTES / 3}};
        DType[] dtypes = {DType.FLOAT32, DType.FLOAT16, DType.INT32};
        for (int i = 0; i < dtypes.length; i++) {
            NdArray array = random(dtypes[i], random, shapes[i]);
            assertEquals(array, read(NpyBytes.toBytes(array)), dtypes[i].toString());
        }
    }

    @Test
    void readsExactlyOneArrayFromAStream() throws IOException {
        NdArray first = NdArray.of(new int[] {1, 2, 3}, 3);
        NdArray second = NdArray.ofBool(new byte[] {1, 0}, 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, first);
        Npy.write(out, second);
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(first, Npy.read(in, "stream"));
        assertEquals(second, Npy.read(in, "stream"));
        assertEquals(-1, in.read());
    }

    @Test
    void readsAnyNonzeroBoolByteAsTrue() throws IOException {
        NdArray bools = read(npy("|b1", "(4,)", new byte[] {0, 1, 2, (byte) 255}));
        assertEquals(NdArray.ofBool(new byte[] {0, 1, 1, 1}, 4), bools);
    }

    // ---- errors: always an NpyFormatException whose message names the file ----

    private String rejection(String fileName, byte[] bytes) throws IOException {
        Path file = NpyBytes.file(dir, fileName, bytes);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains(fileName), e.getMessage());
        return e.getMessage();
    }

    @Test
    void rejectsFilesThatAreNotNpy() throws IOException {
        assertTrue(rejection("text.npy", "hello, world\n".getBytes(StandardCharsets.US_ASCII))
                .contains("not a .npy file"));
        assertTrue(rejection("empty.npy", new byte[0]).contains("not a .npy file"));
        assertTrue(rejection("short.npy", new byte[] {(byte) 0x93, 'N', 'U'}).contains("not a .npy file"));
    }

    @Test
    void rejectsUnknownVersionsAndTruncatedHeaders() throws IOException {
        byte[] valid = npy("<f4", "(2,)", NpyBytes.floats(LITTLE_ENDIAN, 1, 2));
        byte[] version4 = valid.clone();
        version4[6] = 4;
        assertTrue(rejection("v4.npy", version4).contains("unsupported .npy format version 4.0"));
        assertTrue(rejection("cut-version.npy", Arrays.copyOf(valid, 7)).contains("truncated format version"));
        assertTrue(rejection("cut-length.npy", Arrays.copyOf(valid, 9)).contains("truncated header length"));
        assertTrue(rejection("cut-header.npy", Arrays.copyOf(valid, 40)).contains("truncated header: expected"));
        byte[] hugeHeader = npy(2, NpyBytes.dict("<f4", "(2,)"), new byte[0]);
        ByteBuffer.wrap(hugeHeader, 8, 4).order(LITTLE_ENDIAN).putInt(-1);
        assertTrue(rejection("huge-header.npy", hugeHeader).contains("header length 4294967295 is implausibly large"));
    }

    @Test
    void rejectsFortranOrder() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
        String message = rejection("fortran.npy", npy(1, dict, new byte[24]));
        assertTrue(message.contains("np.ascontiguousarray"), message);
    }

    @Test
    void rejectsUnsupportedDtypes() throws IOException {
        for (String descr : new String[] {"<f8", "<u8", "|O"}) {
            String message = rejection("wide.npy", npy(descr, "(2,)", new byte[16]));
            assertTrue(message.contains("unsupported dtype '" + descr + "'"), message);
            assertTrue(message.contains("astype(np.float32)"), message);
        }
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        String message = rejection("cut.npy", npy("<f4", "(2, 3)", new byte[20]));
        assertTrue(message.contains("expected 24 bytes of data for float32[2, 3], found 20"), message);
        assertTrue(rejection("cut-bytes.npy", npy("|i1", "(9,)", new byte[4]))
                .contains("expected 9 bytes of data for int8[9], found 4"));
        // cut off in the second chunk: the count must include the chunks already read
        int n = NpyData.CHUNK_BYTES / 2;
        String late = rejection("cut-late.npy", npy("<f4", "(" + n + ",)", new byte[NpyData.CHUNK_BYTES + 12]));
        assertTrue(late.contains("expected " + 4L * n + " bytes of data for float32[" + n + "], found "
                + (NpyData.CHUNK_BYTES + 12)), late);
    }

    @Test
    void rejectsShapesAJavaArrayCannotHold() throws IOException {
        assertTrue(rejection("huge.npy", npy("<f4", "(100000, 100000)", new byte[0])).contains("10000000000 elements"));
        assertTrue(rejection("negative.npy", npy("<f4", "(2, -3)", new byte[0])).contains("negative dimension"));
    }

    /**
     * A 200-byte file whose header claims float32 (46340, 46340), 8.6 GB, or (20000, 20000), 1.6 GB: a format
     * error before anything of that size is allocated, read from a file (whose size is known) or from a stream
     * (whose size is not: the array grows only with the data found).
     */
    @Test
    void falseHeadersInSmallFilesFailWithoutAllocatingTheClaimedSize() throws IOException {
        for (String shape : new String[] {"(46340, 46340)", "(20000, 20000)"}) {
            byte[] bytes = Arrays.copyOf(npy("<f4", shape, new byte[0]), 200);
            long before = ReaderFuzz.allocatedBytes();
            String message = rejection("false.npy", bytes);
            assertTrue(message.contains("truncated data: expected " + NdArray.elementCount(parse(shape)) * 4
                    + " bytes of data for float32" + Arrays.toString(parse(shape)) + ", found 72"), message);
            NpyFormatException e = assertThrows(NpyFormatException.class, () -> read(bytes));
            assertTrue(e.getMessage().contains("truncated data"), e.getMessage());
            long allocated = ReaderFuzz.allocatedBytes() - before;
            assertTrue(allocated < ReaderFuzz.SLACK_BYTES, shape + ": allocated " + allocated + " bytes");
        }
    }

    @Test
    void rejectsShapesWhoseElementCountOverflowsIntOrLong() throws IOException {
        assertTrue(rejection("int.npy", npy("<f4", "(46341, 46341)", new byte[0])).contains("2147488281 elements"));
        assertTrue(rejection("wide.npy", npy("<f4", "(4294967296, 4294967296)", new byte[0]))
                .contains("has dimension 4294967296, more than a Java array can hold"));
        // each dimension fits an int, the product overflows a long (2^31·2^31·2^31·2^31 = 2^124)
        String longOverflow = rejection("long.npy", npy("<f4", "(2147483647, 2147483647, 2147483647, 2147483647)",
                new byte[0]));
        assertTrue(longOverflow.contains("elements, more than a Java array can hold"), longOverflow);
        assertTrue(rejection("many.npy", npy("<f4", "(65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536)",
                new byte[0])).contains("elements, more than a Java array can hold"));
    }

    private static int[] parse(String shape) {
        return Arrays.stream(shape.replaceAll("[() ]", "").split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static NdArray read(byte[] bytes) throws IOException {
        return Npy.read(new ByteArrayInputStream(bytes), "test.npy");
    }
}
