package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Safetensors}: F32, F16 and BF16 tensors read back exactly (the 16-bit forms to their rounded values),
 * metadata, zero-sized tensors; and every malformed file a clear {@link SafetensorsFormatException} naming the
 * tensor or the field before anything is allocated for data: truncated length, header or data, oversized
 * header, bad JSON, unknown dtype or field, sizes and offsets that disagree, overlaps.
 */
class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryFloatDtype() throws IOException {
        float[] v = {0f, -1.5f, 3.14159f, 65504f, 1e-3f, -0f};
        Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
        t.put("a", new SafetensorsWriter.Tensor(v, new int[] {2, 3}, "F32"));
        t.put("b", new SafetensorsWriter.Tensor(v, new int[] {6}, "F16"));
        t.put("c", new SafetensorsWriter.Tensor(v, new int[] {3, 2}, "BF16"));
        t.put("empty", new SafetensorsWriter.Tensor(new float[0], new int[] {0, 4}, "F32"));
        Path f = dir.resolve("m.safetensors");
        Files.write(f, SafetensorsWriter.bytes(t, Map.of("format", "pt")));
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(java.util.List.of("a", "b", "c", "empty"), java.util.List.copyOf(st.entries().keySet()));
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertArrayEquals(new int[] {3, 2}, st.entries().get("c").shape());
            assertArrayEquals(v, st.floats("a"));
            float[] half = new float[v.length];
            float[] bf = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                half[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
                bf[i] = Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & 0xFFFF0000);
            }
            assertArrayEquals(half, st.floats("b"));
            assertArrayEquals(bf, st.floats("c"));
            assertEquals(0, st.floats("empty").length);
            assertMessage(assertThrows(SafetensorsFormatException.class, () -> st.floats("zzz")), "no tensor named 'zzz'");
        }
    }

    @Test
    void malformedFilesAreNamedErrors() throws IOException {
        byte[] good = SafetensorsWriter.bytes(Map.of("w", new SafetensorsWriter.Tensor(new float[] {1, 2, 3, 4},
                new int[] {2, 2}, "F32")), Map.of());
        int headerLength = (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        expect(Arrays.copyOf(good, 5), "too short for the 8-byte header length");
        expect(Arrays.copyOf(good, 8 + headerLength / 2), "truncated header");
        expect(Arrays.copyOf(good, good.length - 1), "tensor 'w': data_offsets [0, 16] lie outside the 15 data bytes");
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        expect(huge, "header length 1099511627776 is out of range");
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        expect(huge, "is out of range");
        expect(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]", 16), "unexpected end");
        expect(file("{\"w\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8), "tensor 'w': unknown dtype \"Q4\"");
        expect(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8),
                "tensor 'w': F32[3] needs 12 bytes but data_offsets [0, 8] hold 8");
        expect(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8), "field \"shape\"");
        expect(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2147483647, 2147483647, 4], \"data_offsets\": [0, 8]}}", 8),
                "needs more than 2^63 bytes");
        expect(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"offsets\": [0, 8]}}", 8), "unknown field \"offsets\"");
        expect(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", 8), "lie outside");
        expect(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                + "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "overlap");
        expect(file("[1, 2]", 0), "expected a JSON object");
        expect(file("{\"__metadata__\": {\"a\": 1}}", 0), "__metadata__ value of \"a\" must be a string");
    }

    @Test
    void onlyFloatDtypesConvert() throws IOException {
        Path f = dir.resolve("i.safetensors");
        Files.write(f, file("{\"ids\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8));
        try (Safetensors st = Safetensors.open(f)) {
            assertMessage(assertThrows(SafetensorsFormatException.class, () -> st.floats("ids")),
                    "tensor 'ids' has dtype I64; only F32, F16 and BF16");
        }
    }

    private byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length)
                .put(json).array();
    }

    private void expect(byte[] contents, String part) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, contents);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.open(f).close());
        assertMessage(e, part);
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    private static void assertMessage(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
