package dev.squall.engine.tokenizer;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.Json;
import dev.squall.engine.io.JsonFormatException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Character-level tokens, as nanoGPT's {@code shakespeare_char} prepares them: the distinct characters (Unicode
 * code points) of a text, sorted, numbered from 0. Saved with a model as {@code meta.json}:
 * <pre>{"vocab_size": 65, "chars": ["\n", " ", "!", ...]}</pre>
 * Reading also accepts nanoGPT's {@code meta.pkl} contents dumped as JSON ({@code "itos": {"0": "\n", ...}},
 * with or without {@code "stoi"}).
 */
public final class CharTokenizer implements Tokenizer {
    private final List<String> chars;
    private final Map<Integer, Integer> ids = new HashMap<>();
    private final byte[][] bytes;

    /** The tokenizer of these characters (one code point each, distinct), id = index. */
    public CharTokenizer(List<String> chars) {
        if (chars.isEmpty()) {
            throw new IllegalArgumentException("a character vocabulary needs at least one character");
        }
        this.chars = List.copyOf(chars);
        this.bytes = new byte[chars.size()][];
        for (int i = 0; i < chars.size(); i++) {
            String c = chars.get(i);
            if (c.codePointCount(0, c.length()) != 1) {
                throw new IllegalArgumentException("entry " + i + " of the character list must be one character, got \""
                        + c + "\"");
            }
            if (ids.put(c.codePointAt(0), i) != null) {
                throw new IllegalArgumentException("character \"" + c + "\" appears twice in the character list");
            }
            bytes[i] = c.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The tokenizer of {@code text}'s distinct characters, sorted by code point (nanoGPT's {@code prepare.py}). */
    public static CharTokenizer fromText(String text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        List<String> chars = new ArrayList<>();
        set.forEach(cp -> chars.add(Character.toString(cp)));
        return new CharTokenizer(chars);
    }

    /** Reads a {@code meta.json} (see the class comment). */
    public static CharTokenizer read(Path file) throws IOException {
        String source = file.toString();
        Map<String, Object> m = Json.parseObject(Files.readString(file), source);
        for (String key : m.keySet()) {
            if (!List.of("vocab_size", "chars", "itos", "stoi").contains(key)) {
                throw new JsonFormatException(source, "unknown field \"" + key + "\"; a character tokenizer has "
                        + "vocab_size and chars (or nanoGPT's itos)");
            }
        }
        List<String> chars = new ArrayList<>();
        if (m.get("chars") instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw new JsonFormatException(source, "\"chars\" must hold strings, got " + Json.kind(o));
                }
                chars.add(s);
            }
        } else if (m.get("itos") instanceof Map<?, ?> itos) {
            for (int i = 0; i < itos.size(); i++) {
                if (!(itos.get(String.valueOf(i)) instanceof String s)) {
                    throw new JsonFormatException(source, "\"itos\" must map \"0\" .. \"" + (itos.size() - 1)
                            + "\" to characters; \"" + i + "\" is missing or not a string");
                }
                chars.add(s);
            }
        } else {
            throw new JsonFormatException(source, "needs \"chars\", the list of characters (or nanoGPT's \"itos\")");
        }
        if (m.containsKey("vocab_size") && !(m.get("vocab_size") instanceof Long n && n == chars.size())) {
            throw new JsonFormatException(source, "\"vocab_size\" is " + Json.write(m.get("vocab_size")) + " but "
                    + chars.size() + " characters are listed");
        }
        try {
            return new CharTokenizer(chars);
        } catch (IllegalArgumentException e) {
            throw new JsonFormatException(source, e.getMessage());
        }
    }

    /** Writes {@code meta.json}, replacing it only once complete ({@link AtomicFiles}). */
    public void write(Path file) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", chars.size());
        m.put("chars", chars);
        byte[] bytes = (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** The characters, id = index. */
    public List<String> chars() {
        return chars;
    }

    @Override
    public int vocabSize() {
        return chars.size();
    }

    @Override
    public int[] encode(String text) {
        return text.codePoints().map(cp -> {
            Integer id = ids.get(cp);
            if (id == null) {
                throw new IllegalArgumentException("character '" + Character.toString(cp) + "' (U+"
                        + String.format("%04X", cp) + ") is not among the tokenizer's " + chars.size() + " characters");
            }
            return id;
        }).toArray();
    }

    @Override
    public byte[] bytes(int id) {
        return bytes[id].clone();
    }
}
