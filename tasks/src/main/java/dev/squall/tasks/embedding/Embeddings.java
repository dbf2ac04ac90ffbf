package dev.squall.tasks.embedding;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Embedding lookups of a decoder's input: a token embedding table {@code wte[vocab, channels]} and a learned
 * position table {@code wpe[positions, channels]}, both row-major (nanoGPT's {@code transformer.wte} and
 * {@code transformer.wpe}). Token ids and positions are not checked here: the caller validates them
 * against the table sizes before a graph runs.
 */
public final class Embeddings {
    private Embeddings() {
    }

    /**
     * Row {@code r} is token {@code r}: {@code out[r, :] = wte[tokens[r], :] + wpe[positions[r], :]}; parallel
     * rows are the tokens.
     */
    public static void tokenPosition(int[] tokens, int[] positions, float[] wte, float[] wpe, @Out float[] out,
                                     int channels, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = tokens[row] * channels;
            int p = positions[row] * channels;
            int o = row * channels;
            for (int c = 0; c < channels; c++) {
                out[o + c] = wte[t + c] + wpe[p + c];
            }
        }
    }
}
