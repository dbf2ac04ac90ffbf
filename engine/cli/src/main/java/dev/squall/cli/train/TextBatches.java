package dev.squall.cli.train;

import dev.squall.engine.io.IoErrors;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.tokenizer.CharTokenizer;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code --data FILE.txt}: UTF-8 text, tokenized by characters as nanoGPT's {@code shakespeare_char} does (the
 * text's distinct characters, sorted), the first 90 % of the ids for training and the rest for validation.
 * A batch is {@code B} windows of {@code block_size + 1} ids at random offsets of the training part (nanoGPT's
 * {@code get_batch}); the offsets of step {@code k} are drawn from a generator seeded by {@code (seed, k)}
 * alone. The validation set is {@code evalBatches} such batches of the validation part, fixed by the seed.
 */
public final class TextBatches {
    private static final String OPTION = "--data";
    /** Separates the validation windows' generator streams from the training steps'. */
    private static final long VALIDATION_STREAM = 0x5DEECE66DL;

    private TextBatches() {
    }

    /**
     * Reads {@code file} for a model of {@code config}: windows of {@code block_size + 1} ids, {@code batchSize}
     * per batch, {@code evalBatches} validation batches (0 for none).
     */
    public static BatchSource read(Path file, GptConfig config, int batchSize, int evalBatches, long seed) {
        String where = OPTION + " (" + file + ")";
        byte[] bytes;
        String text;
        try {
            bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(where + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": " + IoErrors.reason(file, e), e);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (evalBatches < 0) {
            throw new IllegalArgumentException("--eval-batches must be >= 0, got " + evalBatches);
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException(where + ": the file is empty");
        }
        CharTokenizer tokenizer = CharTokenizer.fromText(text);
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException(where + ": the text has " + tokenizer.vocabSize() + " distinct"
                    + " characters but the config's vocab_size is " + config.vocabSize());
        }
        int[] ids = tokenizer.encode(text);
        int split = (int) (ids.length * 0.9);
        int row = config.blockSize() + 1;
        if (split < row) {
            throw new IllegalArgumentException(where + ": its training part (90 %, " + split + " characters) is"
                    + " shorter than a window of block_size + 1 = " + row + " characters");
        }
        int[] val = java.util.Arrays.copyOfRange(ids, split, ids.length);
        if (evalBatches > 0 && val.length < row) {
            throw new IllegalArgumentException(where + ": its validation part (10 %, " + val.length + " characters)"
                    + " is shorter than a window of block_size + 1 = " + row + " characters; use more text or"
                    + " --eval-batches 0");
        }
        List<int[]> validation = new ArrayList<>();
        for (int j = 0; j < evalBatches; j++) {
            validation.add(windows(val, batchSize, row, seed ^ VALIDATION_STREAM, j));
        }
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("kind", "text");
        identity.put("bytes", (long) bytes.length);
        identity.put("sha256", FileDigest.sha256(bytes));
        int[] train = java.util.Arrays.copyOf(ids, split);
        return new BatchSource(batchSize, row, step -> windows(train, batchSize, row, seed, step),
                Collections.unmodifiableList(validation), tokenizer, identity);
    }

    /** {@code rows} windows of {@code row} ids of {@code ids}, at offsets drawn from {@code (seed, index)}. */
    static int[] windows(int[] ids, int rows, int row, long seed, long index) {
        SplittableRandom rnd = new SplittableRandom(mix(seed, index));
        int[] batch = new int[rows * row];
        for (int r = 0; r < rows; r++) {
            int start = rnd.nextInt(ids.length - row + 1);
            System.arraycopy(ids, start, batch, r * row, row);
        }
        return batch;
    }

    /** A well-mixed generator seed from two longs (MurmurHash3's finaliser over a golden-ratio combination). */
    static long mix(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
