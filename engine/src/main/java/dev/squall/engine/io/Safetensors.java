package dev.squall.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Hugging Face {@code .safetensors} files: an 8-byte little-endian header length {@code N}, {@code N} bytes
 * of JSON ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, .., "__metadata__":
 * {..}}}), then the tensors' little-endian data, offsets counted from the end of the header. The header is read
 * and checked when the file is opened (every size, offset and dtype against the file's length, before anything
 * is allocated for the data); each tensor is memory-mapped on its own when asked for and converted to fp32, so
 * no copy of the whole file is ever held. F32, F16 and BF16 tensors convert; any other dtype is named in the
 * error of the tensor that has it.
 */
public final class Safetensors implements AutoCloseable {
    /** Largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /**
     * One tensor's header entry.
     *
     * @param name  its name
     * @param dtype the dtype string, e.g. {@code F32}
     * @param shape its shape
     * @param begin first byte, from the start of the data section
     * @param end   one past the last byte
     */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {
        /** Elements (the product of the shape). */
        public long size() {
            long n = 1;
            for (int s : shape) {
                n *= s;
            }
            return n;
        }

        /** Shape for messages, e.g. {@code F16[768, 2304]}. */
        public String describe() {
            return dtype + java.util.Arrays.toString(shape);
        }
    }

    private final String source;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private Safetensors(String source, FileChannel channel, long dataStart, Map<String, Entry> entries,
                        Map<String, String> metadata) {
        this.source = source;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /**
     * Opens {@code file} and checks its header.
     *
     * @throws SafetensorsFormatException if the file is too short, the header is malformed or any tensor's entry
     *                                    is inconsistent (named in the message)
     * @throws IOException                if the file cannot be read
     */
    public static Safetensors open(Path file) throws IOException {
        String source = file.toString();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long length = ch.size();
            if (length < 8) {
                throw new SafetensorsFormatException(source, "truncated: " + length + " bytes, too short for the 8-byte"
                        + " header length");
            }
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, 0, source);
            long n = head.getLong(0);
            if (n < 2 || n > MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(source, "header length " + Long.toUnsignedString(n)
                        + " is out of range (2 to " + MAX_HEADER_BYTES + " bytes): not a safetensors file?");
            }
            if (n > length - 8) {
                throw new SafetensorsFormatException(source, "truncated header: it says " + n + " bytes but the file"
                        + " has " + (length - 8) + " after the length");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(ch, json, 8, source);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(json.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new SafetensorsFormatException(source, "header is not valid UTF-8", e);
            }
            Map<String, Object> header;
            try {
                header = Json.parseObject(text, "header");
            } catch (JsonFormatException e) {
                throw new SafetensorsFormatException(source, e.getMessage(), e);
            }
            long dataBytes = length - 8 - n;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    metadata(source, e.getValue(), metadata);
                } else {
                    entries.put(e.getKey(), entry(source, e.getKey(), e.getValue(), dataBytes));
                }
            }
            checkNoOverlap(source, entries);
            return new Safetensors(source, ch, 8 + n, Collections.unmodifiableMap(entries),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The tensors' header entries, in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The file, for messages. */
    public String source() {
        return source;
    }

    /**
     * Tensor {@code name} as fp32 values in C order, mapped from the file and converted (F16 and BF16 exactly).
     *
     * @throws SafetensorsFormatException if there is no such tensor, its dtype is not F32, F16 or BF16, or it has
     *                                    more elements than a Java array holds
     */
    public float[] floats(String name) throws IOException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new SafetensorsFormatException(source, "no tensor named '" + name + "'");
        }
        int bytes = switch (e.dtype()) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new SafetensorsFormatException(source, "tensor '" + name + "' has dtype " + e.dtype()
                    + "; only F32, F16 and BF16 tensors are read");
        };
        long count = e.size();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsFormatException(source, "tensor '" + name + "' " + e.describe()
                    + " has more elements than a Java array holds");
        }
        float[] out = new float[(int) count];
        if (count == 0) {
            return out;
        }
        MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
        map.order(ByteOrder.LITTLE_ENDIAN);
        switch (bytes) {
            case 4 -> map.asFloatBuffer().get(out);
            default -> {
                boolean bf16 = e.dtype().equals("BF16");
                var shorts = map.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    short s = shorts.get(i);
                    out[i] = bf16 ? Float.intBitsToFloat(s << 16) : Float.float16ToFloat(s);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static Entry entry(String source, String name, Object value, long dataBytes)
            throws SafetensorsFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw bad(source, name, "entry must be an object, got " + Json.kind(value));
        }
        for (Object key : m.keySet()) {
            if (!List.of("dtype", "shape", "data_offsets").contains(key)) {
                throw bad(source, name, "unknown field \"" + key + "\"");
            }
        }
        if (!(m.get("dtype") instanceof String dtype)) {
            throw bad(source, name, "field \"dtype\" must be a string, got " + Json.kind(m.get("dtype")));
        }
        if (!(m.get("shape") instanceof List<?> dims)) {
            throw bad(source, name, "field \"shape\" must be an array, got " + Json.kind(m.get("shape")));
        }
        int[] shape = new int[dims.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long dim) || dim < 0 || dim > Integer.MAX_VALUE) {
                throw bad(source, name, "field \"shape\" must hold integers from 0 to " + Integer.MAX_VALUE + ", got "
                        + dims);
            }
            shape[i] = (int) (long) dim;
            count = Math.multiplyHigh(count, dim) != 0 || count * dim < 0 ? Long.MAX_VALUE : count * dim;
        }
        if (!(m.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw bad(source, name, "field \"data_offsets\" must be [begin, end], got " + m.get("data_offsets"));
        }
        if (begin < 0 || end < begin || end > dataBytes) {
            throw bad(source, name, "data_offsets [" + begin + ", " + end + "] lie outside the " + dataBytes
                    + " data bytes of the file (truncated?)");
        }
        int elementBytes = switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> throw bad(source, name, "unknown dtype \"" + dtype + "\"");
        };
        if (count == Long.MAX_VALUE || count > (end - begin) / elementBytes || count * elementBytes != end - begin) {
            throw bad(source, name, dtype + java.util.Arrays.toString(shape) + " needs "
                    + (count == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(count * elementBytes))
                    + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void metadata(String source, Object value, Map<String, String> out)
            throws SafetensorsFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafetensorsFormatException(source, "__metadata__ must be an object, got " + Json.kind(value));
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafetensorsFormatException(source, "__metadata__ value of \"" + e.getKey()
                        + "\" must be a string, got " + Json.kind(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
    }

    /** Tensors must not share bytes (the format packs them one after another). */
    private static void checkNoOverlap(String source, Map<String, Entry> entries) throws SafetensorsFormatException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1);
            Entry b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw bad(source, b.name(), "data_offsets [" + b.begin() + ", " + b.end() + "] overlap those of '"
                        + a.name() + "' [" + a.begin() + ", " + a.end() + "]");
            }
        }
    }

    private static SafetensorsFormatException bad(String source, String name, String problem) {
        return new SafetensorsFormatException(source, "tensor '" + name + "': " + problem);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at, String source) throws IOException {
        long p = at;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new SafetensorsFormatException(source, "truncated at byte " + p);
            }
            p += n;
        }
    }
}
