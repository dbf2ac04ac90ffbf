package dev.squall.engine.jvm.fast.driver;

import dev.squall.engine.jvm.fast.lanes.VectorWidth;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernel for vectors of at most 256 bits and 16 registers (AVX2): 4 rows × 2 vectors (4×16 floats on
 * 256-bit vectors), 8 accumulators. With six rows C2 schedules the broadcasts early and spills accumulators on
 * 16 registers (measured with {@code -XX:UseAVX=2}: 4×16 at 95 GFLOP/s on one core, 6×16 at 50, 3×24 at 79).
 * On a wider machine it runs on 256-bit vectors, for tests and for timing that path.
 */
public final class FourRowKernel extends MicroKernel {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT.vectorBitSize() <= 256 ? VectorWidth.FLOAT
            : FloatVector.SPECIES_256;
    private static final int L = S.length();
    private static final int MR = 4;
    private static final int NR = 2 * L;
    private static final int CS = GemmDriver.COLUMN_STRIDE;
    /** The kernel (after the constants its constructor reads). */
    public static final FourRowKernel INSTANCE = new FourRowKernel();

    private FourRowKernel() {
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
        int a1 = aOff + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        FloatVector c00 = load(c, cOff, fromZero);
        FloatVector c01 = load(c, cOff + L, fromZero);
        FloatVector c10 = load(c, c1, fromZero);
        FloatVector c11 = load(c, c1 + L, fromZero);
        FloatVector c20 = load(c, c2, fromZero);
        FloatVector c21 = load(c, c2 + L, fromZero);
        FloatVector c30 = load(c, c3, fromZero);
        FloatVector c31 = load(c, c3 + L, fromZero);
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
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
    }

    private static void columns(float[] a, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
                                boolean fromZero) {
        int c1 = cOff + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        FloatVector c00 = load(c, cOff, fromZero);
        FloatVector c01 = load(c, cOff + L, fromZero);
        FloatVector c10 = load(c, c1, fromZero);
        FloatVector c11 = load(c, c1 + L, fromZero);
        FloatVector c20 = load(c, c2, fromZero);
        FloatVector c21 = load(c, c2 + L, fromZero);
        FloatVector c30 = load(c, c3, fromZero);
        FloatVector c31 = load(c, c3 + L, fromZero);
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
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
    }
}
