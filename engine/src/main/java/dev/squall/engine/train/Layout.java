package dev.squall.engine.train;

import dev.squall.engine.layers.GemmTiles;
import dev.squall.engine.model.GptConfig;

/**
 * The shape of one training step: {@code batch} sequences of {@code length} tokens, packed into
 * {@code rows = batch·length} rows, and the tiles of its GEMMs.
 *
 * @param config    the model
 * @param batch     sequences per step (B)
 * @param length    tokens per sequence (T)
 * @param attention the attention form
 * @param tiles     tiles of the forward GEMMs and of the input gradients
 * @param transA    tiles of the weight gradients ({@code Gemm.tiledMatmulTransA}: bands of {@code n} weight rows)
 */
record Layout(GptConfig config, int batch, int length, TrainOptions.Attention attention, GemmTiles tiles,
              GemmTiles transA) {
    /** Weight-gradient tiles: narrow bands of output rows, so that even a small layer's rows spread over threads. */
    static final GemmTiles TRANS_A = new GemmTiles(64, 16, 256);

    int rows() {
        return batch * length;
    }

    int c() {
        return config.nEmbd();
    }

    int heads() {
        return config.nHead();
    }

    /** {@code rows × cols} floats. */
    float[] rowsOf(int cols) {
        return new float[Math.multiplyExact(rows(), cols)];
    }

    /** Start of each sequence, and the end: {@code [0, T, 2T, ..., B·T]}. */
    int[] seqStart() {
        int[] s = new int[batch + 1];
        for (int b = 0; b <= batch; b++) {
            s[b] = b * length;
        }
        return s;
    }
}
