package dev.squall.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 byte-level BPE on a hand-made vocabulary: GPT-2's 256 byte symbols (ids 0..255 in its
 * {@code bytes_to_unicode} order, as in the real vocab.json) plus a few merges; the known edge cases of GPT-2's
 * split (leading spaces, runs of spaces and newlines, contractions, digits, punctuation), the byte alphabet
 * (space is Ġ, newline Ċ), non-ASCII text split into bytes and put back together when streamed, merge priority,
 * round trips of random Unicode text, and the files.
 */
public class Gpt2TokenizerTest {
    @TempDir
    Path dir;

    /** GPT-2's first 256 entries: the byte symbols, printable bytes first, then the rest from U+0100. */
    public static Map<String, Integer> byteVocab() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<Integer> order = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                order.add(b);
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!order.contains(b)) {
                order.add(b);
            }
        }
        for (int b : order) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), vocab.size());
        }
        return vocab;
    }

    static Gpt2Tokenizer tokenizer(String... merges) {
        Map<String, Integer> vocab = byteVocab();
        List<String[]> pairs = new ArrayList<>();
        for (String m : merges) {
            String[] p = m.split(" ");
            pairs.add(p);
            vocab.putIfAbsent(p[0] + p[1], vocab.size());
        }
        return new Gpt2Tokenizer(vocab, pairs);
    }

    static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = Gpt2Tokenizer.SPLIT.matcher(text);
        while (m.find()) {
            pieces.add(m.group());
        }
        return pieces;
    }

    @Test
    void splitsAsGpt2Does() {
        assertEquals(List.of("Hello", ",", " world", "!"), split("Hello, world!"));
        assertEquals(List.of("don", "'t", " you", "'ll", " we", "'re", " I", "'ve", " it", "'s", " I", "'m", " he", "'d"),
                split("don't you'll we're I've it's I'm he'd"));
        assertEquals(List.of("I", "'", "LL"), split("I'LL"), "contractions are lower case only");
        assertEquals(List.of("a", "  ", " b"), split("a   b"), "a run of spaces keeps its last for the next word");
        assertEquals(List.of("line", "\n", "\n", "next"), split("line\n\nnext"),
                "GPT-2's quirk: a blank line before a word is two newline pieces (198, 198), not one");
        assertEquals(List.of("end", ".", "\n\n"), split("end.\n\n"), "at the end of the text it is one");
        assertEquals(List.of("x", "\n ", " y"), split("x\n  y"));
        assertEquals(List.of("end", "   "), split("end   "), "trailing whitespace is one piece");
        assertEquals(List.of(" 2024", " v", "2", ".", "0"), split(" 2024 v2.0"));
        assertEquals(List.of("café", " 🙂", " naïve"), split("café 🙂 naïve"));
        assertEquals(List.of(" $(", "x", ")", "\t", " -->"), split(" $(x)\t -->"));
    }

    @Test
    void bytesAreWrittenInGpt2sAlphabet() {
        assertEquals('Ġ', ByteLevel.charOf(' '));
        assertEquals('Ċ', ByteLevel.charOf('\n'));
        assertEquals('ĉ', ByteLevel.charOf('\t'));
        assertEquals('!', ByteLevel.charOf('!'));
        assertEquals('Ń', ByteLevel.charOf(0xAD));
        assertEquals('ÿ', ByteLevel.charOf(0xFF));
        for (int b = 0; b < 256; b++) {
            assertEquals(b, ByteLevel.byteOf(ByteLevel.charOf(b)));
        }
        Gpt2Tokenizer t = tokenizer();
        // "!" is id 0 and space (byte 0x20) id 220 in GPT-2's vocabulary, newline 198
        assertArrayEquals(new int[] {0}, t.encode("!"));
        assertArrayEquals(new int[] {220}, t.encode(" "));
        assertArrayEquals(new int[] {198}, t.encode("\n"));
    }

    @Test
    void mergesApplyLowestRankFirst() {
        Gpt2Tokenizer t = tokenizer("Ġ t", "h e", "Ġt he", "e r");
        int[] ids = t.encode(" the");
        assertEquals(1, ids.length);
        assertEquals(" the", t.decode(ids));
        // in "her", (e, r) has rank 3 and (h, e) rank 1: h+e first, then no rule joins "he" and "r"
        int[] her = t.encode("her");
        assertEquals(2, her.length);
        assertEquals("he", new String(t.bytes(her[0]), StandardCharsets.UTF_8));
        Gpt2Tokenizer other = tokenizer("e r", "h e");
        int[] her2 = other.encode("her");
        assertEquals("h", new String(other.bytes(her2[0]), StandardCharsets.UTF_8));
        assertEquals("er", new String(other.bytes(her2[1]), StandardCharsets.UTF_8));
    }

    @Test
    void nonAsciiIsBytesAndStreamsWhole() {
        Gpt2Tokenizer t = tokenizer("Ã ©");
        int[] e = t.encode("é");
        assertEquals(1, e.length, "the merge of é's two bytes");
        int[] smile = t.encode("😀");
        assertEquals(4, smile.length, "four UTF-8 bytes, no merges");
        TextStream stream = new TextStream(t);
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            assertEquals("", stream.push(smile[i]), "an incomplete character is held back");
        }
        seen.append(stream.push(smile[3]));
        assertEquals("😀", seen.toString());
        stream.push(smile[0]);
        assertEquals("\uFFFD", stream.finish(), "a character cut off at the end");
        assertEquals("\uFFFDa", t.decode(new int[] {smile[1], t.encode("a")[0]}), "a stray continuation byte");
    }

    @Test
    void randomUnicodeRoundTrips() {
        Gpt2Tokenizer t = tokenizer("Ġ t", "h e", "Ġt he", "Ġ Ġ", "i n", "Ã ©");
        SplittableRandom rnd = new SplittableRandom(11);
        for (int n = 0; n < 200; n++) {
            StringBuilder s = new StringBuilder();
            int len = rnd.nextInt(0, 40);
            for (int i = 0; i < len; i++) {
                int kind = rnd.nextInt(6);
                int cp = switch (kind) {
                    case 0 -> " \n\t\r'".charAt(rnd.nextInt(5));
                    case 1 -> rnd.nextInt('a', 'z' + 1);
                    case 2 -> rnd.nextInt('0', '9' + 1);
                    case 3 -> rnd.nextInt(0x80, 0x800);
                    case 4 -> rnd.nextInt(0x4E00, 0x9FFF);
                    default -> rnd.nextInt(0x1F300, 0x1FAFF);
                };
                s.appendCodePoint(cp);
            }
            String text = s.toString();
            int[] ids = t.encode(text);
            assertEquals(text, t.decode(ids));
            StringBuilder streamed = new StringBuilder();
            TextStream stream = new TextStream(t);
            for (int id : ids) {
                streamed.append(stream.push(id));
            }
            streamed.append(stream.finish());
            assertEquals(text, streamed.toString());
        }
    }

    @Test
    void readsHuggingFaceFiles() throws IOException {
        Map<String, Integer> vocab = byteVocab();
        vocab.put("Ġt", vocab.size());
        vocab.put("<|endoftext|>", vocab.size());
        StringBuilder json = new StringBuilder("{");
        vocab.forEach((k, v) -> json.append(json.length() > 1 ? ", " : "").append(dev.squall.engine.io.Json.write(k))
                .append(": ").append(v));
        Files.writeString(dir.resolve("vocab.json"), json.append("}").toString());
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nĠ t\n");
        Gpt2Tokenizer t = Gpt2Tokenizer.read(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        assertEquals(258, t.vocabSize());
        assertArrayEquals(new int[] {256}, t.encode(" t"));
        assertEquals("<|endoftext|>", t.decode(new int[] {257}));

        Files.writeString(dir.resolve("bad.txt"), "#version: 0.2\nĠt\n");
        IOException e = assertThrows(IOException.class,
                () -> Gpt2Tokenizer.read(dir.resolve("vocab.json"), dir.resolve("bad.txt")));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Files.writeString(dir.resolve("dup.json"), "{\"a\": 0, \"b\": 0}");
        e = assertThrows(IOException.class, () -> Gpt2Tokenizer.read(dir.resolve("dup.json"), dir.resolve("merges.txt")));
        assertTrue(e.getMessage().contains("\"b\" has 0") || e.getMessage().contains("\"a\" has 0"), e.getMessage());
    }

    @Test
    void textTheVocabularyCannotWriteIsNamed() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put("a", 0);
        Gpt2Tokenizer t = new Gpt2Tokenizer(vocab, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("ab"));
        assertTrue(e.getMessage().contains("\"b\""), e.getMessage());
    }
}
