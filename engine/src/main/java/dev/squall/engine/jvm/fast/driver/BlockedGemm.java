package dev.squall.engine.jvm.fast.driver;

import dev.squall.engine.jvm.fast.driver.GemmDriver.Matrix;

/**
 * Cache- and register-blocked fp32 GEMM around one {@link MicroKernel}, in BLIS's loop order with the roles of A
 * and B swapped (B holds the vectors, A the broadcasts): row blocks of {@code mc} rows, column blocks of
 * {@code nc}, depth blocks of {@code kc}, the {@code kc × nc} block of B packed (read row by row) into panels of
 * {@code NR} columns to stay in L2; then each {@code MR × kc} micro-panel of A (in L1) against every panel of the
 * block. A is read in place, row-major, where BLIS packs it: each of its {@code MR} rows is one run of memory, and
 * packing cost as much as the products of a narrow column range (a thread's share of a layer split by columns).
 * B can come {@link #pack packed} in advance (weights: no packing of B at all), A column-major from a tile
 * ({@link #productColumns}). Sizes in {@link GemmBlocking}.
 *
 * <p>Every output element is accumulated by {@code acc = fma(a_ip, b_pj, acc)} for {@code p} ascending from 0,
 * whatever block, panel or split it falls in, so results do not depend on how rows or columns are split between
 * calls or threads, nor on the micro-kernel or the blocking.
 */
public final class BlockedGemm {
    private final GemmBlocking blocking;
    private final MicroKernel kernel;
    private final int mr;
    private final int nr;
    private final int kcMax;
    private final int mcMax;
    private final int ncMax;
    private final ThreadLocal<Buffers> buffers;

    /** Per-thread buffers: a packed block of B, the last rows of A and a tile of C at the edges. */
    private static final class Buffers {
        final float[] b;
        final float[] edgeA;
        final float[] edgeC;

        Buffers(GemmBlocking g) {
            b = new float[g.kc() * g.nc()];
            edgeA = new float[g.kernel().rows() * g.kc()];
            edgeC = new float[g.kernel().rows() * g.kernel().columns()];
        }
    }

    /**
     * B {@code [k, n]} packed for one blocking: depth block {@code q} (depth {@code kq}) holds the
     * {@code ⌈n/NR⌉} panels of {@code kq × NR} floats one after another, the last one zero-padded.
     *
     * @param data the panels
     * @param k    rows of B
     * @param n    columns of B
     * @param kc   depth per block
     * @param nr   columns per panel
     */
    public record PackedB(float[] data, int k, int n, int kc, int nr) {
        /** Offset of the panel holding column {@code j} (a multiple of {@code nr}) in the block at depth {@code pc}. */
        int panel(int pc, int j) {
            int padded = (n + nr - 1) / nr * nr;
            return pc * padded + j * Math.min(kc, k - pc);
        }
    }

    /** A GEMM with this blocking. */
    public BlockedGemm(GemmBlocking blocking) {
        this.blocking = blocking;
        this.kernel = blocking.kernel();
        this.mr = kernel.rows();
        this.nr = kernel.columns();
        this.kcMax = blocking.kc();
        this.mcMax = blocking.mc();
        this.ncMax = blocking.nc();
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(blocking));
    }

    /** Its blocking. */
    public GemmBlocking blocking() {
        return blocking;
    }

    /**
     * {@code C[m,n] = A[m,k]·B[k,n]} (or {@code +=} when {@code accumulate}), then the epilogue {@code + bias[j]},
     * activation. B is read as {@code [k,n]}, or as {@code [n,k]} when {@code transB}; C element {@code (i, j)}
     * is {@code c[cOff + i·ldc + j]}. Needs {@code k ≥ 1}.
     */
    public void product(Matrix a, Matrix b, boolean transB, float[] c, int cOff, int ldc, int m, int n, int k,
                        boolean accumulate, float[] bias, int hasBias, int activation) {
        run(a, null, 0, b, transB, c, cOff, ldc, m, n, k, accumulate, bias, 0, hasBias, activation);
    }

    /**
     * {@link #product} with B {@link #pack packed} in advance: columns {@code [j0, j0 + n)} of it, {@code j0} a
     * multiple of {@code NR} ({@link #panelAligned}); no packing of B at all. The bias is indexed by B's column.
     */
    public void product(Matrix a, PackedB b, int j0, float[] c, int cOff, int ldc, int m, int n, float[] bias,
                        int hasBias, int activation) {
        run(a, b, j0, null, false, c, cOff, ldc, m, n, b.k(), false, bias, j0, hasBias, activation);
    }

    /**
     * The blocked loops (see the class comment), B taken from {@code packed} at column {@code j0} when given, else
     * packed from {@code b}; the {@code mc × nc} block of C stays in L2 over the depth blocks and gets the
     * epilogue there (bias from column {@code biasCol}).
     */
    private void run(Matrix a, PackedB packed, int j0, Matrix b, boolean transB, float[] c, int cOff, int ldc, int m,
                     int n, int k, boolean accumulate, float[] bias, int biasCol, int hasBias, int activation) {
        Buffers buf = buffers.get();
        for (int ic = 0; ic < m; ic += mcMax) {
            int mc = Math.min(mcMax, m - ic);
            int aRows = (a.row() + ic) * a.ld() + a.col();
            for (int jc = 0; jc < n; jc += ncMax) {
                int nc = Math.min(ncMax, n - jc);
                int cBlock = cOff + ic * ldc + jc;
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kc = Math.min(kcMax, k - pc);
                    float[] bp = buf.b;
                    int bOff = 0;
                    if (packed != null) {
                        bp = packed.data();
                        bOff = packed.panel(pc, j0 + jc);
                    } else {
                        packBlock(b, transB, jc, nc, pc, kc, bp);
                    }
                    sweep(a.data(), aRows + pc, a.ld(), false, bp, bOff, kc, kc, c, cBlock, ldc, mc, nc,
                            pc == 0 && !accumulate, buf);
                }
                // Once per block while it is in cache, over whole rows of it: per 16-column panel, GELU made
                // linear1 1.5x slower.
                Epilogues.apply(c, cBlock, ldc, mc, biasCol + jc, nc, bias, hasBias, activation);
            }
        }
    }

    /** Whether columns from {@code j0} of a {@link PackedB} start a panel, as its {@link #product} needs. */
    public boolean panelAligned(int j0) {
        return j0 % nr == 0;
    }

    /** B {@code [k, n]} packed for {@link #product(Matrix, PackedB, int, float[], int, int, int, int, float[], int, int)}. */
    public PackedB pack(float[] b, int k, int n) {
        int padded = (n + nr - 1) / nr * nr;
        float[] data = new float[Math.multiplyExact(padded, k)];
        Matrix view = new Matrix(b, n, 0, 0);
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            for (int j = 0; j < n; j += nr) {
                packPanel(view, false, j, Math.min(nr, n - j), pc, kc, data, pc * padded + j * kc);
            }
        }
        return new PackedB(data, k, n, kcMax, nr);
    }

    /** Whether depth {@code k} fits one block, as {@link #packRows}, {@link #packPanels}, {@link #productColumns} need. */
    public boolean fitsDepth(int k) {
        return k <= kcMax;
    }

    /**
     * Packs every {@code NR}-column panel of {@code B[k,n]} ({@code [n,k]} when {@code transB}; {@link #fitsDepth})
     * into {@code bp} from {@code bpOff} ({@link #panelFloats} floats), panel {@code g} at {@code bpOff + g·NR·k}.
     */
    public void packPanels(Matrix b, boolean transB, int n, int k, float[] bp, int bpOff) {
        for (int jr = 0; jr < n; jr += nr) {
            packPanel(b, transB, jr, Math.min(nr, n - jr), 0, k, bp, bpOff + jr * k);
        }
    }

    /** Floats of {@code B[k,n]} {@link #packPanels packed}: {@code ⌈n/NR⌉·NR·k}, the last panel zero-padded. */
    public int panelFloats(int n, int k) {
        return (n + nr - 1) / nr * nr * k;
    }

    /** Floats of {@code A[m,k]} {@link #packRows packed}: {@code ⌈m/MR⌉·MR·k}. */
    public int rowFloats(int m, int k) {
        return (m + mr - 1) / mr * mr * k;
    }

    /**
     * Copies the {@code m} rows of {@code A[m,k]} ({@link #fitsDepth}) to {@code ap[apOff]}, one after another, and
     * zero rows up to a multiple of {@code MR} ({@link #rowFloats} floats): contiguous rows for {@link #productPacked}.
     */
    public void packRows(Matrix a, int m, int k, float[] ap, int apOff) {
        for (int i = 0; i < m; i++) {
            System.arraycopy(a.data(), (a.row() + i) * a.ld() + a.col(), ap, apOff + i * k, k);
        }
        java.util.Arrays.fill(ap, apOff + m * k, apOff + rowFloats(m, k), 0f);
    }

    /** {@code C[m,n] = A[m,k]·B} with A {@link #packRows packed} and B {@link #packPanels packed}; no epilogue. */
    public void productPacked(float[] ap, int apOff, float[] bp, float[] c, int cOff, int ldc, int m, int n, int k) {
        sweep(ap, apOff, k, false, bp, 0, k, k, c, cOff, ldc, m, n, true, buffers.get());
    }

    /**
     * {@code C[m,n] += A[m,k]·B[k,n]} with A column-major at stride {@link GemmDriver#COLUMN_STRIDE}, read in
     * place, and B {@link #packPanels packed} at {@code bp[bpOff]} with depth {@code packedK ≥ k}.
     */
    public void productColumns(float[] at, int aOff, float[] bp, int bpOff, int packedK, float[] c, int cOff, int ldc,
                               int m, int n, int k) {
        sweep(at, aOff, 0, true, bp, bpOff, packedK, k, c, cOff, ldc, m, n, false, buffers.get());
    }

    /**
     * One A block ({@code mc} rows) against every panel of the B block at {@code bp[bOff]} (panels of depth
     * {@code packedK}, of which the first {@code kc} rows are used): A row-major at stride {@code lda}, or
     * column-major at {@link GemmDriver#COLUMN_STRIDE} when {@code columnMajorA}. Each micro-panel of A stays in
     * L1 while the panels of B go by.
     */
    private void sweep(float[] a, int aOff, int lda, boolean columnMajorA, float[] bp, int bOff, int packedK, int kc,
                       float[] c, int cOff, int ldc, int mc, int n, boolean first, Buffers buf) {
        int fullCols = n / nr * nr;
        int panelStep = nr * packedK;
        for (int ir = 0; ir < mc; ir += mr) {
            int rows = Math.min(mr, mc - ir);
            float[] src = a;
            int at = columnMajorA ? aOff + ir : aOff + ir * lda;
            int ld = lda;
            if (rows < mr && !columnMajorA) {
                // The last rows, zero-padded to MR (reading past them could leave the array).
                src = buf.edgeA;
                for (int r = 0; r < mr; r++) {
                    if (r < rows) {
                        System.arraycopy(a, at + r * lda, src, r * kc, kc);
                    } else {
                        java.util.Arrays.fill(src, r * kc, (r + 1) * kc, 0f);
                    }
                }
                at = 0;
                ld = kc;
            }
            int cRow = cOff + ir * ldc;
            int jr = 0;
            int panel = bOff;
            if (rows == mr) {
                if (columnMajorA) {
                    for (; jr < fullCols; jr += nr, panel += panelStep) {
                        kernel.columnMajor(src, at, bp, panel, kc, c, cRow + jr, ldc, first);
                    }
                } else {
                    for (; jr < fullCols; jr += nr, panel += panelStep) {
                        kernel.rowMajor(src, at, ld, bp, panel, kc, c, cRow + jr, ldc, first);
                    }
                }
            }
            for (; jr < n; jr += nr, panel += panelStep) {
                edge(src, at, ld, columnMajorA, bp, panel, kc, c, cRow + jr, ldc, rows, Math.min(nr, n - jr), first,
                        buf.edgeC);
            }
        }
    }

    /** A tile smaller than {@code MR × NR}, run on a scratch tile so the micro-kernels never need masks. */
    private void edge(float[] a, int aOff, int lda, boolean columnMajorA, float[] bp, int bOff, int kc, float[] c,
                      int cOff, int ldc, int rows, int cols, boolean first, float[] scratch) {
        if (!first) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, cOff + r * ldc, scratch, r * nr, cols);
            }
        }
        if (columnMajorA) {
            kernel.columnMajor(a, aOff, bp, bOff, kc, scratch, 0, nr, first);
        } else {
            kernel.rowMajor(a, aOff, lda, bp, bOff, kc, scratch, 0, nr, first);
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(scratch, r * nr, c, cOff + r * ldc, cols);
        }
    }

    /**
     * Columns {@code [jc, jc+nc)}, depth {@code [pc, pc+kc)} of B into panels from {@code bp[0]}, panel {@code g}
     * at {@code g·NR·kc}. Row by row where B is {@code [k, n]}: each row of the block is one run of memory, where
     * packing panel by panel would touch {@code kc} rows (and as many pages) per panel.
     */
    private void packBlock(Matrix b, boolean transB, int jc, int nc, int pc, int kc, float[] bp) {
        int full = transB ? 0 : nc / nr * nr;
        float[] src = b.data();
        int ld = b.ld();
        for (int p = 0; p < kc; p++) {
            int from = (b.row() + pc + p) * ld + b.col() + jc;
            for (int g = 0; g < full; g += nr) {
                kernel.copyRow(src, from + g, bp, g * kc + p * nr);
            }
        }
        for (int g = full; g < nc; g += nr) {
            packPanel(b, transB, jc + g, Math.min(nr, nc - g), pc, kc, bp, g * kc);
        }
    }

    /** Columns {@code [jr, jr+cols)}, depth {@code [pc, pc+kc)} of B into the {@code kc × NR} panel at {@code bp[bOff]}. */
    private void packPanel(Matrix b, boolean transB, int jr, int cols, int pc, int kc, float[] bp, int bOff) {
        float[] src = b.data();
        int ld = b.ld();
        if (transB) {
            // B stored [n, k]: bp[p][j] = b[jr + j][pc + p].
            for (int j = 0; j < nr; j++) {
                if (j < cols) {
                    int from = (b.row() + jr + j) * ld + b.col() + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[bOff + p * nr + j] = src[from + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        bp[bOff + p * nr + j] = 0f;
                    }
                }
            }
            return;
        }
        int from = (b.row() + pc) * ld + b.col() + jr;
        if (cols == nr) {
            for (int p = 0; p < kc; p++) {
                kernel.copyRow(src, from + p * ld, bp, bOff + p * nr);
            }
            return;
        }
        for (int p = 0; p < kc; p++) {
            int dst = bOff + p * nr;
            System.arraycopy(src, from + p * ld, bp, dst, cols);
            java.util.Arrays.fill(bp, dst + cols, dst + nr, 0f);
        }
    }
}
