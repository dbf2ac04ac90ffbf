package dev.squall.engine.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes small {@code .safetensors} files for tests: fp32 values stored as F32, F16 or BF16. */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** One tensor to write: its values, shape and stored dtype ({@code F32}, {@code F16} or {@code BF16}). */
    public record Tensor(float[] values, int[] shape, String dtype) {
    }

    /** The bytes of a file holding {@code tensors} in order, with {@code metadata} (may be empty). */
    public static byte[] bytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long size = (long) t.values().length * (t.dtype().equals("F32") ? 4 : 2);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype());
            entry.put("shape", java.util.Arrays.stream(t.shape()).boxed().toList());
            entry.put("data_offsets", List.of(offset, offset + size));
            header.put(e.getKey(), entry);
            offset += size;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + json.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (Tensor t : tensors.values()) {
            for (float v : t.values()) {
                switch (t.dtype()) {
                    case "F32" -> out.putFloat(v);
                    case "F16" -> out.putShort(Float.floatToFloat16(v));
                    case "BF16" -> out.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
                    default -> throw new IllegalArgumentException(t.dtype());
                }
            }
        }
        return out.array();
    }

    /** Writes {@code tensors} to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(bytes(tensors, Map.of()));
        }
    }
}
