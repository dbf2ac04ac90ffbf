package dev.squall.engine.jvm.fast.driver;

import jdk.incubator.vector.VectorSpecies;

/**
 * A register-blocked GEMM micro-kernel for one vector shape: {@code C[MR, NR] (+)= A·B} over a depth of
 * {@code kc}, with {@code MR × NR/L} vector accumulators held in registers; per depth step it loads the
 * {@code NR/L} vectors of B's row once, broadcasts each of A's {@code MR} values and issues one FMA per
 * accumulator. Every element is accumulated as {@code acc = fma(a_ip, b_pj, acc)} for {@code p} ascending, so
 * all kernels give the same bits; they differ only in speed. {@link BlockedGemm} chooses the blocking around it.
 */
public abstract sealed class MicroKernel permits FourRowKernel, EightRowKernel {
    private final int rows;
    private final int vectors;
    private final VectorSpecies<Float> species;

    MicroKernel(int rows, int vectors, VectorSpecies<Float> species) {
        this.rows = rows;
        this.vectors = vectors;
        this.species = species;
    }

    /** Rows of the block, {@code MR}. */
    public final int rows() {
        return rows;
    }

    /** Columns of the block, {@code NR}: a whole number of vectors. */
    public final int columns() {
        return vectors * species.length();
    }

    /** Its float species. */
    public final VectorSpecies<Float> species() {
        return species;
    }

    /** For {@code squall info} and reports, e.g. {@code 8×32 (8 rows × 2 vectors of 512 bits)}. */
    public final String describe() {
        return rows + "×" + columns() + " (" + rows + " rows × " + vectors + " vectors of " + species.vectorBitSize()
                + " bits)";
    }

    /**
     * {@code C (+)= A·B} with A row-major at stride {@code lda} ({@code A(r, p) = a[aOff + r·lda + p]}, read in
     * place) and B packed ({@code B(p, j) = bp[bOff + p·NR + j]}), C element {@code (r, j)} at
     * {@code c[cOff + r·ldc + j]}; {@code fromZero}: C's old values are not read.
     */
    public abstract void rowMajor(float[] a, int aOff, int lda, float[] bp, int bOff, int kc, float[] c, int cOff,
                                  int ldc, boolean fromZero);

    /**
     * {@link #rowMajor} with A column-major at the constant stride {@link GemmDriver#COLUMN_STRIDE}:
     * {@code A(r, p) = at[aOff + p·COLUMN_STRIDE + r]}. A second loop because the stride must be a constant:
     * with a stride passed in, C2 keeps the range checks in the loop and the kernel runs at half speed; one loop
     * choosing its stride by a flag (unswitched by C2) ran 9–12 % slower than either.
     */
    public abstract void columnMajor(float[] at, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc,
                                     boolean fromZero);

    /** Copies {@code NR} floats from {@code src[srcOff]} to {@code dst[dstOff]} by whole vectors. */
    public abstract void copyRow(float[] src, int srcOff, float[] dst, int dstOff);
}
