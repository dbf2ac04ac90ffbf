package dev.squall.cli.train;

import dev.squall.engine.tokenizer.CharTokenizer;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The batches of a training run ({@link TextBatches}, {@link NpyBatches}): batch {@code k} for step {@code k}
 * (a function of the data, the seed and {@code k} only, so a resumed run needs no generator state), and a fixed
 * validation set.
 *
 * @param batchSize    rows per batch, {@code B}
 * @param tokensPerRow token ids per row, {@code T + 1}
 * @param batches      the batch of step {@code k} (from 0): {@code B × (T + 1)} ids, row-major
 * @param validation   the validation batches, each {@code B × (T + 1)}; empty when there is no validation data
 * @param tokenizer    the tokenizer of the text, written as {@code meta.json}; null for token batches
 * @param identity     what identifies the data, for the train state: its kind, size and SHA-256
 */
public record BatchSource(int batchSize, int tokensPerRow, IntFunction<int[]> batches, List<int[]> validation,
                          CharTokenizer tokenizer, Map<String, Object> identity) {
    /** The batch of step {@code step}. */
    public int[] batch(int step) {
        return batches.apply(step);
    }
}
