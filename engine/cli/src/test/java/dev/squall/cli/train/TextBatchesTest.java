package dev.squall.cli.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.model.GptConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The windows of {@code --data}: from the right part of the text, fixed by (seed, step), nanoGPT's split. */
class TextBatchesTest {
    @TempDir
    Path dir;

    /** A text whose characters say where they are: 'a'.. in the first 90 %, 'A'.. in the rest. */
    private Path text() throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 900; i++) {
            s.append((char) ('a' + i % 26));
        }
        for (int i = 0; i < 100; i++) {
            s.append((char) ('A' + i % 26));
        }
        return Files.writeString(dir.resolve("t.txt"), s);
    }

    @Test
    void trainingWindowsComeFromTheFirst90PercentAndValidationFromTheRest() throws IOException {
        GptConfig config = GptConfig.of(60, 8, 1, 1, 4, false, 0);
        BatchSource data = TextBatches.read(text(), config, 5, 4, 42);
        assertEquals(52, data.tokenizer().vocabSize());
        assertEquals(9, data.tokensPerRow());
        int upper = data.tokenizer().encode("Z")[0];
        for (int k = 0; k < 50; k++) {
            int[] b = data.batch(k);
            assertEquals(45, b.length);
            assertTrue(Arrays.stream(b).allMatch(id -> id > upper), "step " + k + " reads only the training part");
            for (int r = 0; r < 5; r++) {
                for (int t = 1; t < 9; t++) {
                    assertEquals((b[r * 9 + t - 1] - upper) % 26, (b[r * 9 + t] - upper - 1) % 26, "contiguous");
                }
            }
        }
        assertEquals(4, data.validation().size());
        for (int[] v : data.validation()) {
            assertTrue(Arrays.stream(v).allMatch(id -> id <= upper), "validation reads only the last 10 %");
        }
    }

    @Test
    void batchKDependsOnSeedAndKOnly() throws IOException {
        GptConfig config = GptConfig.of(60, 8, 1, 1, 4, false, 0);
        BatchSource a = TextBatches.read(text(), config, 3, 2, 7);
        BatchSource b = TextBatches.read(text(), config, 3, 2, 7);
        BatchSource c = TextBatches.read(text(), config, 3, 2, 8);
        assertArrayEquals(a.batch(12), b.batch(12));
        assertArrayEquals(a.validation().get(1), b.validation().get(1));
        assertFalse(Arrays.equals(a.batch(12), c.batch(12)));
        assertFalse(Arrays.equals(a.batch(12), a.batch(13)));
        assertEquals(a.identity(), c.identity());
    }

    @Test
    void tooShortOrTooRichTextIsNamed() throws IOException {
        Path t = text();
        String m = assertThrows(IllegalArgumentException.class,
                () -> TextBatches.read(t, GptConfig.of(60, 200, 1, 1, 4, false, 0), 2, 1, 1)).getMessage();
        assertTrue(m.contains("validation part (10 %, 100 characters) is shorter than a window of block_size + 1"
                + " = 201 characters"), m);
        TextBatches.read(t, GptConfig.of(60, 200, 1, 1, 4, false, 0), 2, 0, 1); // no validation: fine
        m = assertThrows(IllegalArgumentException.class,
                () -> TextBatches.read(t, GptConfig.of(50, 8, 1, 1, 4, false, 0), 2, 1, 1)).getMessage();
        assertTrue(m.contains("the text has 52 distinct characters but the config's vocab_size is 50"), m);
    }
}
