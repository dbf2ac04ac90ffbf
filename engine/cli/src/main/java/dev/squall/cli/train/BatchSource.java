package dev.squall.cli.train;

import dev.squall.engine.tokenizer.CharTokenizer;

import java.util.List;
import java.util.Map;

/**
 * The batches of a training run: batch {@code k} for step {@code k} (a function of the data, the seed and
 * {@code k} only, so a resumed run needs no generator state), and a fixed validation set.
 */
public interface BatchSource {
    /** Rows per batch, {@code B}. */
    int batchSize();

    /** Token ids per row, {@code T + 1}. */
    int tokensPerRow();

    /** The batch of step {@code step} (from 0): {@code B × (T + 1)} ids, row-major. */
    int[] batch(int step);

    /** The validation batches, each {@code B × (T + 1)}; empty when there is no validation data. */
    List<int[]> validation();

    /** The tokenizer of the text, written as {@code meta.json}; null for token batches. */
    CharTokenizer tokenizer();

    /** What identifies the data, for the train state: its kind, size and SHA-256. */
    Map<String, Object> identity();
}
