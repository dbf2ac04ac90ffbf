package dev.squall.engine.layers;

/**
 * Tile sizes of the tiled GEMM kernels (see {@code Gemm.tiledMatmul}): a band of {@code m} output rows
 * per parallel row, blocked by {@code n} columns and {@code k} depth. The defaults keep a
 * {@code k × n} block of the weight (128 KiB) in L2 and the {@code m × n} output tile in L1.
 *
 * @param m rows per band
 * @param n columns per block
 * @param k depth per block
 */
public record GemmTiles(int m, int n, int k) {
    /** Tiles that suit a CPU with 32 KiB L1 and at least 512 KiB L2. */
    public static final GemmTiles DEFAULT = new GemmTiles(16, 256, 128);

    /** Checks that every tile size is positive. */
    public GemmTiles {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("GEMM tile sizes must be >= 1, got " + m + "x" + n + "x" + k);
        }
    }

    /** Parallel rows (bands) for {@code rows} output rows. */
    public int bands(int rows) {
        return (rows + m - 1) / m;
    }
}
