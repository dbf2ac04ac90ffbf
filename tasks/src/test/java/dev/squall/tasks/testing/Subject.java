package dev.squall.tasks.testing;

/**
 * What a check is about, for failure messages: the kernel, its shape in words, the seed of the inputs,
 * and the row length used to turn a flat index into (row, column) ({@code 0}: flat index only).
 *
 * @param kernel what ran, e.g. {@code "Gemm.tiledMatmul +bias GELU_ERF"}
 * @param shape  the shape in words, e.g. {@code "M=17 N=33 K=67 tiles=8x16x32"}
 * @param seed   the seed of the {@link RandomArrays} that drew the inputs
 * @param cols   elements per row of the checked array, or 0
 */
public record Subject(String kernel, String shape, long seed, int cols) {
    /** A subject whose failures report flat indices. */
    public static Subject of(String kernel, String shape, long seed) {
        return new Subject(kernel, shape, seed, 0);
    }

    /** The same subject reporting indices as (row, column) with {@code cols} elements per row. */
    public Subject rowsOf(int cols) {
        return new Subject(kernel, shape, seed, cols);
    }

    /** The same subject with {@code detail} appended to the kernel description. */
    public Subject with(String detail) {
        return new Subject(kernel + " " + detail, shape, seed, cols);
    }

    /** {@code "index 40 (row 2, col 6)"} or {@code "index 40"}. */
    public String where(int index) {
        return cols > 0 ? "index " + index + " (row " + index / cols + ", col " + index % cols + ")" : "index " + index;
    }

    @Override
    public String toString() {
        return kernel + " [" + shape + "] " + Seeds.describe(seed);
    }
}
