package dev.squall.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Character-level tokens: built from text as nanoGPT does, saved and read back, strict about what they hold. */
class CharTokenizerTest {
    @TempDir
    Path dir;

    @Test
    void sortedDistinctCodePoints() {
        CharTokenizer t = CharTokenizer.fromText("hello, world!\nÆ😀h");
        assertEquals(List.of("\n", " ", "!", ",", "d", "e", "h", "l", "o", "r", "w", "Æ", "😀"), t.chars());
        int[] ids = t.encode("hello😀");
        assertArrayEquals(new int[] {6, 5, 7, 7, 8, 12}, ids);
        assertEquals("hello😀", t.decode(ids));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("hex"));
        assertTrue(e.getMessage().contains("'x' (U+0078)"), e.getMessage());
    }

    @Test
    void metaJsonRoundTripsAndNanoGptsItosIsAccepted() throws IOException {
        CharTokenizer t = CharTokenizer.fromText("First Citizen:\nBefore we proceed");
        t.write(dir.resolve("meta.json"));
        assertEquals(t.chars(), CharTokenizer.read(dir.resolve("meta.json")).chars());
        Files.writeString(dir.resolve("itos.json"), "{\"vocab_size\": 3, \"itos\": {\"0\": \"\\n\", \"1\": \" \", \"2\": \"a\"},"
                + " \"stoi\": {\"\\n\": 0, \" \": 1, \"a\": 2}}");
        assertEquals(List.of("\n", " ", "a"), CharTokenizer.read(dir.resolve("itos.json")).chars());
    }

    @Test
    void badMetaJsonIsNamed() throws IOException {
        for (String[] c : new String[][] {
                {"{\"chars\": [\"a\", \"b\"], \"vocab\": 2}", "unknown field \"vocab\""},
                {"{\"vocab_size\": 3, \"chars\": [\"a\", \"b\"]}", "\"vocab_size\" is 3 but 2"},
                {"{\"chars\": [\"a\", \"ab\"]}", "one character"},
                {"{\"chars\": [\"a\", \"a\"]}", "appears twice"},
                {"{\"vocab_size\": 2}", "needs \"chars\""}}) {
            Files.writeString(dir.resolve("m.json"), c[0]);
            IOException e = assertThrows(IOException.class, () -> CharTokenizer.read(dir.resolve("m.json")));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
