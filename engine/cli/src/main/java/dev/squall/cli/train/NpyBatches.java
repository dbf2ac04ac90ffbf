package dev.squall.cli.train;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.model.GptConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --batches XS.npy}: int32 (or int64) {@code [K, B, T + 1]}; step {@code k} trains on exactly
 * {@code XS[k]}. No validation set. Checked whole before training starts: the shape, {@code K >= --steps},
 * {@code T + 1 <= block_size + 1}, every id in the vocabulary.
 */
public final class NpyBatches {
    private static final String OPTION = "--batches";

    private NpyBatches() {
    }

    /** Reads and checks {@code file} for {@code steps} steps of a model of {@code config}. */
    public static BatchSource read(Path file, GptConfig config, int steps) {
        NdArray xs;
        String sha;
        try {
            xs = Npy.read(file);
            sha = FileDigest.sha256(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(OPTION + " (" + file + "): " + IoErrors.reason(file, e), e);
        }
        String where = OPTION + " (" + file + ")";
        if ((xs.dtype() != DType.INT32 && xs.dtype() != DType.INT64) || xs.rank() != 3) {
            throw new IllegalArgumentException(where + ": must be int32 [K, B, T+1], got " + xs.describe());
        }
        int k = xs.dim(0);
        int b = xs.dim(1);
        int row = xs.dim(2);
        if (k < steps) {
            throw new IllegalArgumentException(where + ": holds " + k + " batches but --steps is " + steps);
        }
        if (b < 1 || row < 2) {
            throw new IllegalArgumentException(where + ": needs B >= 1 rows of T+1 >= 2 tokens, got " + xs.describe());
        }
        if (row > config.blockSize() + 1) {
            throw new IllegalArgumentException(where + ": rows of " + row + " tokens (T+1) exceed block_size + 1 = "
                    + (config.blockSize() + 1) + " of the config");
        }
        int[] ids;
        try {
            ids = xs.toInts();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new IllegalArgumentException(where + ": token " + ids[i] + " at [" + i / (b * row) + ", "
                        + i / row % b + ", " + i % row + "] is outside the vocabulary [0, " + config.vocabSize() + ")");
            }
        }
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("kind", "batches");
        identity.put("shape", Arrays.stream(xs.shape()).boxed().toList());
        identity.put("sha256", sha);
        int size = b * row;
        return new BatchSource(b, row, step -> {
            if (step < 0 || step >= k) {
                throw new IllegalArgumentException("step " + step + " has no batch in " + OPTION + " (" + k + ")");
            }
            return Arrays.copyOfRange(ids, step * size, (step + 1) * size);
        }, List.of(), null, identity);
    }
}
