package dev.squall.engine.tokenizer;

import dev.squall.engine.io.Json;
import dev.squall.engine.io.JsonFormatException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level BPE from a Hugging Face {@code vocab.json} (symbol → id) and {@code merges.txt} (one merge
 * {@code "a b"} per line, highest priority first, after a {@code #version} line). Encoding follows GPT-2's
 * {@code encoder.py}: the text is split by its pattern (contractions, letters, digits, other symbols, each with
 * one leading space; runs of whitespace), each piece's UTF-8 bytes are written as {@link ByteLevel} characters,
 * and the adjacent pair of lowest merge rank is merged until none is left; each resulting symbol is looked up in
 * the vocabulary. Special tokens such as {@code <|endoftext|>} are vocabulary entries like any other and are not
 * recognised inside text.
 */
public final class Gpt2Tokenizer implements Tokenizer {
    /** GPT-2's split pattern (whitespace as Unicode defines it, like Python's {@code regex}). */
    static final Pattern SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> vocab;
    private final String[] symbols;
    private final Map<String, Integer> ranks;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * A tokenizer of this vocabulary (symbol → id, ids {@code 0 .. n−1} each once) and these merges (pairs in
     * priority order, both symbols in ByteLevel characters).
     */
    public Gpt2Tokenizer(Map<String, Integer> vocab, List<String[]> merges) {
        this.vocab = Map.copyOf(vocab);
        this.symbols = new String[vocab.size()];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= symbols.length || symbols[id] != null) {
                throw new IllegalArgumentException("vocabulary ids must be 0.." + (symbols.length - 1)
                        + ", each once; \"" + e.getKey() + "\" has " + id);
            }
            for (char c : e.getKey().toCharArray()) {
                if (ByteLevel.byteOf(c) < 0) {
                    throw new IllegalArgumentException("vocabulary entry \"" + e.getKey() + "\" (id " + id + ") holds '"
                            + c + "', which stands for no byte in GPT-2's byte-level alphabet");
                }
            }
            symbols[id] = e.getKey();
        }
        this.ranks = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) {
            String[] m = merges.get(i);
            ranks.putIfAbsent(m[0] + " " + m[1], i);
        }
    }

    /** Reads Hugging Face's {@code vocab.json} and {@code merges.txt}. */
    public static Gpt2Tokenizer read(Path vocabJson, Path mergesTxt) throws IOException {
        Map<String, Object> raw = Json.parseObject(Files.readString(vocabJson), vocabJson.toString());
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id != (int) (long) id) {
                throw new JsonFormatException(vocabJson.toString(), "the id of \"" + e.getKey()
                        + "\" must be an integer, got " + Json.write(e.getValue()));
            }
            vocab.put(e.getKey(), (int) (long) id);
        }
        List<String[]> merges = new ArrayList<>();
        List<String> lines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] parts = line.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IOException(mergesTxt + ": line " + (i + 1) + " must be two symbols separated by one space,"
                        + " got \"" + line + "\"");
            }
            merges.add(parts);
        }
        try {
            return new Gpt2Tokenizer(vocab, merges);
        } catch (IllegalArgumentException e) {
            throw new JsonFormatException(vocabJson.toString(), e.getMessage());
        }
    }

    @Override
    public int vocabSize() {
        return symbols.length;
    }

    @Override
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        Matcher m = SPLIT.matcher(text);
        while (m.find()) {
            for (int id : cache.computeIfAbsent(m.group(), this::encodePiece)) {
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public byte[] bytes(int id) {
        String s = symbols[id];
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            out.write(ByteLevel.byteOf(s.charAt(i)));
        }
        return out.toByteArray();
    }

    /** The ids of one piece of the split: bytes as characters, merged by rank. */
    private int[] encodePiece(String piece) {
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        List<String> word = new ArrayList<>(utf8.length);
        for (byte b : utf8) {
            word.add(String.valueOf(ByteLevel.charOf(b)));
        }
        while (word.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            String first = word.get(best);
            String second = word.get(best + 1);
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        int[] ids = new int[word.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(word.get(i));
            if (id == null) {
                throw new IllegalArgumentException("the text piece \"" + piece + "\" needs the symbol \"" + word.get(i)
                        + "\", which vocab.json lacks");
            }
            ids[i] = id;
        }
        return ids;
    }
}
