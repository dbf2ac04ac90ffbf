package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Npy#read(Path)} under {@link ReaderFuzz}: every corruption of a valid file is an
 * {@link NpyFormatException} or a consistent array, and no read allocates more than a few times the file's size.
 */
class NpyFuzzTest {
    /** Shapes no valid small file has: larger than its data, than an int, than a long, negative, malformed. */
    static final List<String> ABSURD_SHAPES = List.of("(46340, 46340)", "(20000, 20000)", "(2147483647,)",
            "(2147483648,)", "(46341, 46341)", "(4294967296, 4294967296)", "(9223372036854775807, 9223372036854775807, 3)",
            "(3037000500, 3037000500)", "(-1,)", "(2, -3)", "(0, 99999999999)", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
                    + "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 65536)",
            "(65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536)", "()", "(1,)", "(3, 'a')", "[2, 3]", "(2, 3",
            "(1e9,)", "((2, 3),)", "(True,)", "(2.5,)", "({},)", "(" + "9".repeat(400) + ",)");
    /** Descriptors that are unsupported, malformed or of another width than the data. */
    static final List<String> WRONG_DTYPES = List.of("<f8", "|O", "<c8", ">f4", ">i4", "<U8", "|V4", "<f2", "|b1",
            "|i1", "<i2", "<i4", "<f4", "", "f", "<f", "<f4 ", "=f4", "|u1", "<M8[ns]");

    @TempDir
    Path dir;

    @Test
    void everyCorruptionIsAFormatErrorOrAConsistentArray() throws IOException {
        fuzz().run(dir, samples(), 2000);
    }

    /** The harness for {@code .npy} readers, with the header-aware mutations; {@code NpzFuzzTest} reuses them. */
    static ReaderFuzz<NdArray> fuzz() {
        ReaderFuzz<NdArray> fuzz = new ReaderFuzz<>("npy", Npy::read, NpyFormatException.class,
                NpyFuzzTest::checkConsistent, size -> 3 * size + ReaderFuzz.SLACK_BYTES);
        return withHeaderMutations(fuzz);
    }

    static <T> ReaderFuzz<T> withHeaderMutations(ReaderFuzz<T> fuzz) {
        return fuzz.mutation("absurd shape", (b, rnd) -> rewriteDict(b, rnd, (d, r) -> replaceValue(d, "'shape': ",
                        ABSURD_SHAPES.get(r.nextInt(ABSURD_SHAPES.size())))))
                .mutation("wrong dtype", (b, rnd) -> rewriteDict(b, rnd, (d, r) -> replaceValue(d, "'descr': ",
                        "'" + WRONG_DTYPES.get(r.nextInt(WRONG_DTYPES.size())) + "'")))
                .mutation("fortran order", (b, rnd) -> rewriteDict(b, rnd, (d, r) -> d.replace("False", "True")))
                .mutation("header length", NpyFuzzTest::headerLength)
                .mutation("version", (b, rnd) -> patch(b, 6 + rnd.nextInt(2), (byte) rnd.nextInt(6)))
                .mutation("deep nesting", (b, rnd) -> rewriteDict(b, rnd, (d, r) -> replaceValue(d, "'shape': ",
                        "(".repeat(1 + r.nextInt(40)) + "2,)")))
                .mutation("extra key", (b, rnd) -> rewriteDict(b, rnd, (d, r) -> d.replace("}", "'x': 1, }")));
    }

    static void checkConsistent(NdArray a) {
        assertEquals(NdArray.elementCount(a.shape()), java.lang.reflect.Array.getLength(a.data()), a.describe());
    }

    /** Valid files: every dtype, ranks 0 to 3, an empty array, versions 1 to 3, both byte orders. */
    static List<byte[]> samples() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<byte[]> samples = new ArrayList<>();
        samples.add(NpyBytes.toBytes(NdArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)));
        samples.add(NpyBytes.toBytes(NdArray.of(floats(rnd, 60), 3, 4, 5)));
        samples.add(NpyBytes.toBytes(NdArray.of(new float[] {7})));
        samples.add(NpyBytes.toBytes(NdArray.of(new float[0], 0, 4)));
        samples.add(NpyBytes.toBytes(NdArray.ofHalf(new short[] {0x3c00, 0x4000, (short) 0xfc00}, 3)));
        samples.add(NpyBytes.toBytes(NdArray.of(new byte[] {1, -2, 3, -4}, 2, 2)));
        samples.add(NpyBytes.toBytes(NdArray.ofBool(new byte[] {1, 0, 1}, 3)));
        samples.add(NpyBytes.toBytes(NdArray.of(new int[] {1, 2, 3, 4, 5}, 5)));
        samples.add(NpyBytes.toBytes(NdArray.ofInt16(new short[] {1, 2}, 1, 2)));
        samples.add(NpyBytes.npy(2, NpyBytes.dict("<f4", "(2,)"), NpyBytes.floats(ByteOrder.LITTLE_ENDIAN, 1, 2)));
        samples.add(NpyBytes.npy(3, NpyBytes.dict(">f4", "(2,)"), NpyBytes.floats(ByteOrder.BIG_ENDIAN, 1, 2)));
        return samples;
    }

    private static float[] floats(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** A rewrite of the header dict. */
    @FunctionalInterface
    interface DictEdit {
        String apply(String dict, SplittableRandom rnd);
    }

    /**
     * The file with its dict edited and the header rebuilt around it (same version, data unchanged); unchanged
     * if it does not start with a readable header.
     */
    static byte[] rewriteDict(byte[] b, SplittableRandom rnd, DictEdit edit) {
        if (b.length < 12 || b[0] != (byte) 0x93 || b[6] < 1 || b[6] > 3) {
            return b;
        }
        int major = b[6];
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int prefix = major == 1 ? 10 : 12;
        long length = major == 1 ? Short.toUnsignedInt(in.getShort(8)) : Integer.toUnsignedLong(in.getInt(8));
        if (prefix + length > b.length) {
            return b;
        }
        String dict = new String(b, prefix, (int) length, StandardCharsets.ISO_8859_1).strip();
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(dict)) {
            return b; // NpyBytes counts characters, not UTF-8 bytes
        }
        byte[] data = Arrays.copyOfRange(b, prefix + (int) length, b.length);
        return NpyBytes.npy(major, edit.apply(dict, rnd), data);
    }

    /** {@code dict} with the value after {@code key} (up to the next top-level {@code ", '"} or {@code ", }"}) replaced. */
    static String replaceValue(String dict, String key, String value) {
        int at = dict.indexOf(key);
        if (at < 0) {
            return dict;
        }
        int from = at + key.length();
        int depth = 0;
        int end = from;
        while (end < dict.length()) {
            char c = dict.charAt(end);
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            }
            end++;
        }
        return dict.substring(0, from) + value + dict.substring(end);
    }

    private static byte[] headerLength(byte[] b, SplittableRandom rnd) {
        if (b.length < 12) {
            return b;
        }
        byte[] out = b.clone();
        int value = switch (rnd.nextInt(4)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> rnd.nextInt(b.length + 16);
            default -> rnd.nextInt();
        };
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) value);
        if (out[6] != 1) {
            ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(8, value);
        }
        return out;
    }

    private static byte[] patch(byte[] b, int at, byte value) {
        if (at >= b.length) {
            return b;
        }
        byte[] out = b.clone();
        out[at] = value;
        return out;
    }
}
