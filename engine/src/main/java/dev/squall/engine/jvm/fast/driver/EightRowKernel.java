package dev.squall.engine.jvm.fast.driver;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernel for 512-bit vectors and 32 registers (AVX-512): 8 rows × 2 vectors (8×32 floats), 16
 * accumulators. Measured on one Zen 5 core, L1/L2-resident panels (CPU time, depth 256): 8×32 at 205–211
 * GFLOP/s against 180–189 for 4×32, about the same as 10×32, 12×32, 8×48 and 6×64 (206–212); 14×32 (28
 * accumulators) fell to 198. Eight rows divide the 128-row tiles of fused attention, which 10 or 12 would not.
 * The loops are static methods behind the overrides: called that way they ran 3–5 % faster.
 */
public final class EightRowKernel extends MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = S.length();
    private static final int MR = 8;
    private static final int NR = 2 * L;
    private static final int CS = GemmDriver.COLUMN_STRIDE;
    /** The kernel (after the constants its constructor reads). */
    public static final EightRowKernel INSTANCE = new EightRowKernel();

    private EightRowKernel() {
        super(MR, 2, S);
    }

    @Override
    public void copyRow(float[] src, int srcOff, float[] dst, int dstOff) {
        FloatVector.fromArray(S, src, srcOff).intoArray(dst, dstOff);
        FloatVector.fromArray(S, src, srcOff + L).intoArray(dst, dstOff + L);
    }

    @Override
    public void rowMajor(float[] a, int aOff, int lda, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
                         boolean fromZero) {
        rows(a, aOff, lda, bp, bOff, kc, c, cOff, ldc, fromZero);
    }

    @Override
    public void columnMajor(float[] a, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
                            boolean fromZero) {
        columns(a, aOff, bp, bOff, kc, c, cOff, ldc, fromZero);
    }

    private static FloatVector load(float[] c, int cOff, boolean zero) {
        return zero ? FloatVector.zero(S) : FloatVector.fromArray(S, c, cOff);
    }

    private static void rows(float[] a, int aOff, int lda, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
                             boolean fromZero) {
        int c1 = cOff + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        int c4 = c3 + ldc;
        int c5 = c4 + ldc;
        int c6 = c5 + ldc;
        int c7 = c6 + ldc;
        int a1 = aOff + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        int a4 = a3 + lda;
        int a5 = a4 + lda;
        int a6 = a5 + lda;
        int a7 = a6 + lda;
        FloatVector c00 = load(c, cOff, fromZero);
        FloatVector c01 = load(c, cOff + L, fromZero);
        FloatVector c10 = load(c, c1, fromZero);
        FloatVector c11 = load(c, c1 + L, fromZero);
        FloatVector c20 = load(c, c2, fromZero);
        FloatVector c21 = load(c, c2 + L, fromZero);
        FloatVector c30 = load(c, c3, fromZero);
        FloatVector c31 = load(c, c3 + L, fromZero);
        FloatVector c40 = load(c, c4, fromZero);
        FloatVector c41 = load(c, c4 + L, fromZero);
        FloatVector c50 = load(c, c5, fromZero);
        FloatVector c51 = load(c, c5 + L, fromZero);
        FloatVector c60 = load(c, c6, fromZero);
        FloatVector c61 = load(c, c6 + L, fromZero);
        FloatVector c70 = load(c, c7, fromZero);
        FloatVector c71 = load(c, c7 + L, fromZero);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bOff + p * NR);
            FloatVector b1 = FloatVector.fromArray(S, bp, bOff + p * NR + L);
            FloatVector x0 = FloatVector.broadcast(S, a[aOff + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40);
            c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50);
            c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x6.fma(b0, c60);
            c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x7.fma(b0, c70);
            c71 = x7.fma(b1, c71);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c40.intoArray(c, c4);
        c41.intoArray(c, c4 + L);
        c50.intoArray(c, c5);
        c51.intoArray(c, c5 + L);
        c60.intoArray(c, c6);
        c61.intoArray(c, c6 + L);
        c70.intoArray(c, c7);
        c71.intoArray(c, c7 + L);
    }

    private static void columns(float[] a, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
                                boolean fromZero) {
        int c1 = cOff + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        int c4 = c3 + ldc;
        int c5 = c4 + ldc;
        int c6 = c5 + ldc;
        int c7 = c6 + ldc;
        FloatVector c00 = load(c, cOff, fromZero);
        FloatVector c01 = load(c, cOff + L, fromZero);
        FloatVector c10 = load(c, c1, fromZero);
        FloatVector c11 = load(c, c1 + L, fromZero);
        FloatVector c20 = load(c, c2, fromZero);
        FloatVector c21 = load(c, c2 + L, fromZero);
        FloatVector c30 = load(c, c3, fromZero);
        FloatVector c31 = load(c, c3 + L, fromZero);
        FloatVector c40 = load(c, c4, fromZero);
        FloatVector c41 = load(c, c4 + L, fromZero);
        FloatVector c50 = load(c, c5, fromZero);
        FloatVector c51 = load(c, c5 + L, fromZero);
        FloatVector c60 = load(c, c6, fromZero);
        FloatVector c61 = load(c, c6 + L, fromZero);
        FloatVector c70 = load(c, c7, fromZero);
        FloatVector c71 = load(c, c7 + L, fromZero);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bOff + p * NR);
            FloatVector b1 = FloatVector.fromArray(S, bp, bOff + p * NR + L);
            int ai = aOff + p * CS;
            FloatVector x0 = FloatVector.broadcast(S, a[ai]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[ai + 4]);
            c40 = x4.fma(b0, c40);
            c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[ai + 5]);
            c50 = x5.fma(b0, c50);
            c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(S, a[ai + 6]);
            c60 = x6.fma(b0, c60);
            c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(S, a[ai + 7]);
            c70 = x7.fma(b0, c70);
            c71 = x7.fma(b1, c71);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c40.intoArray(c, c4);
        c41.intoArray(c, c4 + L);
        c50.intoArray(c, c5);
        c51.intoArray(c, c5 + L);
        c60.intoArray(c, c6);
        c61.intoArray(c, c6 + L);
        c70.intoArray(c, c7);
        c71.intoArray(c, c7 + L);
    }
}
