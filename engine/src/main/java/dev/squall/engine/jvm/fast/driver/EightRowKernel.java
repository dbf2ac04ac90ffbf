package dev.squall.engine.jvm.fast.driver;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernel for 512-bit vectors and 32 registers (AVX-512): 8 rows × 2 vectors (8×32 floats), 16
 * accumulators. Measured on one Zen 5 core, L1/L2-resident panels (CPU time, depth 256): 8×32 at 205–211
 * GFLOP/s against 180–189 for 4×32, about the same as 10×32, 12×32, 8×48 and 6×64 (206–212); 14×32 (28
 * accumulators) fell to 198. Eight rows divide the 128-row tiles of fused attention, which 10 or 12 would not.
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

    private static FloatVector load(float[] c, int cOff, boolean zero) {
        return zero ? FloatVector.zero(S) : FloatVector.fromArray(S, c, cOff);
    }

    @Override
    public void packed(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
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
            int ai = aOff + p * MR;
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
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

    @Override
    public void columnMajor(float[] at, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
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
            FloatVector a0 = FloatVector.broadcast(S, at[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, at[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, at[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, at[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, at[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, at[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, at[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, at[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
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
