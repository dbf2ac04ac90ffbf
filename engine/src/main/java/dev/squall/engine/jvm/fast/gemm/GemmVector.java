package dev.squall.engine.jvm.fast.gemm;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.driver.TransposedGemm;
import dev.squall.tasks.gemm.Gemm;

/**
 * Fast paths of the four forward {@link Gemm} kernels: all run the Vector API GEMM of {@link GemmDriver} on the
 * output rows their parallel rows cover (one row each for the naive kernel, a band of {@code tileM} rows
 * for the tiled ones), or on the output columns ({@link #panelMatmul}: panels of {@code tileN} columns).
 * The plain kernels' other tiles are their own tuning; the driver blocks for itself. The weight-gradient kernels
 * ({@code C += Aᵀ·B}) run {@link TransposedGemm} on the rows of C they cover.
 */
@FastPathFor(Gemm.class)
public final class GemmVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public GemmVector() {
    }

    /** Fast {@link Gemm#matmul}. */
    public static void matmul(float[] a, float[] b, float[] bias, float[] c, int n, int k, int hasBias,
                              int activation, int rowOffset, int rowCount) {
        GemmDriver.gemm(a, b, false, bias, c, n, k, hasBias, activation, rowOffset, rowOffset + rowCount);
    }

    /** Fast {@link Gemm#tiledMatmul}. */
    public static void tiledMatmul(float[] a, float[] b, float[] bias, float[] c, int m, int n, int k, int hasBias,
                                   int activation, int tileM, int tileN, int tileK, int rowOffset, int rowCount) {
        GemmDriver.gemm(a, b, false, bias, c, n, k, hasBias, activation, Math.min(m, rowOffset * tileM),
                Math.min(m, (rowOffset + rowCount) * tileM));
    }

    /** Fast {@link Gemm#tiledMatmulTransB}. */
    public static void tiledMatmulTransB(float[] a, float[] b, float[] bias, float[] c, int m, int n, int k,
                                         int hasBias, int activation, int tileM, int tileN, int tileK,
                                         int rowOffset, int rowCount) {
        GemmDriver.gemm(a, b, true, bias, c, n, k, hasBias, activation, Math.min(m, rowOffset * tileM),
                Math.min(m, (rowOffset + rowCount) * tileM));
    }

    /** Fast {@link Gemm#panelMatmul}: the panels of a call are one range of columns. */
    public static void panelMatmul(float[] a, float[] b, float[] bias, float[] c, int m, int n, int k, int hasBias,
                                   int activation, int tileM, int tileN, int tileK, int rowOffset, int rowCount) {
        GemmDriver.gemmColumns(a, b, bias, c, m, n, k, hasBias, activation, Math.min(n, rowOffset * tileN),
                Math.min(n, (rowOffset + rowCount) * tileN));
    }

    /** Fast {@link Gemm#matmulTransA}: {@link TransposedGemm} on C's rows of the call. */
    public static void matmulTransA(float[] a, float[] b, float[] c, int m, int n, int k, int rowOffset, int rowCount) {
        transA(a, b, c, m, n, k, rowOffset, rowOffset + rowCount);
    }

    /** Fast {@link Gemm#tiledMatmulTransA}: {@link TransposedGemm} on C's rows of the call's bands. */
    public static void tiledMatmulTransA(float[] a, float[] b, float[] c, int m, int n, int k, int tileM, int tileN,
                                         int tileK, int rowOffset, int rowCount) {
        transA(a, b, c, m, n, k, Math.min(n, rowOffset * tileN), Math.min(n, (rowOffset + rowCount) * tileN));
    }

    private static void transA(float[] a, float[] b, float[] c, int m, int n, int k, int j0, int j1) {
        TransposedGemm.accumulate(new GemmDriver.Matrix(a, n, 0, 0), new GemmDriver.Matrix(b, k, 0, 0), c, 0, k, m, k,
                j0, j1);
    }
}
