package dev.squall.engine.jvm.fast.driver;

import dev.squall.tasks.gemm.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Cache- and register-blocked fp32 GEMM on the Vector API, {@code C = A·B} or {@code A·Bᵀ} on strided
 * views of arrays, for the GEMM and attention fast paths. GotoBLAS/BLIS loop order: row blocks of {@link #MC}
 * rows, depth blocks of {@link #KC}; per (row block, depth block) the A block is packed into micro-panels of
 * {@link #MR} rows (L2), and for every {@code NR}-column panel of B the {@code KC × NR} panel is packed (L1) and
 * swept by the {@code MR × NR} micro-kernel, which keeps {@code MR · 2} vector accumulators in registers, broadcasts
 * one A value per row and issues one FMA per accumulator per depth step. For fused attention, A and B can also
 * be packed once and reused over many products ({@link #packRows}, {@link #packPanels}, {@link #productPacked}),
 * and A can be read in place from a column-major tile ({@link #productColumns}).
 *
 * <p>Every output element is accumulated by {@code acc = fma(a_ip, b_pj, acc)} for {@code p} ascending
 * from 0, whatever block, panel or row group it falls in, so results do not depend on how the rows are
 * split between calls or threads. They differ from the plain kernels by FMA's single rounding only.
 */
public final class GemmDriver {
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    public static final int L = S.length();
    /** Rows of the micro-kernel. */
    public static final int MR = 4;
    /** Columns of the micro-kernel: two vectors. */
    public static final int NR = 2 * L;
    /** Depth block: a {@code KC × NR} panel of B (16 KiB with 256-bit vectors) stays in L1. */
    public static final int KC = 256;
    /** Row block: a packed {@code MC × KC} block of A (128 KiB) stays in L2. */
    public static final int MC = 32 * MR;
    /**
     * Column stride of the column-major A of {@link #productColumns}: 136 floats (544 bytes), not 128, so that a
     * micro-kernel's walk down 128 columns does not keep hitting the same few L1 sets (measured 80 against 83
     * GFLOP/s; 4 KiB-aliased strides evict each other).
     */
    public static final int COLUMN_STRIDE = 136;

    private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[KC * NR]);
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[MR * NR]);

    private GemmDriver() {
    }

    /**
     * Rows {@code [i0, i1)} of {@code C[M,N] = A[M,K]·B (+bias, activation)}, all row-major and dense, B being
     * {@code [K,N]}, or {@code [N,K]} when {@code transB}.
     */
    public static void gemm(float[] a, float[] b, boolean transB, float[] bias, float[] c, int n, int k, int hasBias,
                     int activation, int i0, int i1) {
        if (i0 >= i1) {
            return;
        }
        if (k == 0) {
            epilogueOnly(bias, c, n, hasBias, activation, i0, i1);
            return;
        }
        product(new Matrix(a, k, i0, 0), new Matrix(b, transB ? k : n, 0, 0), transB, c, i0 * n, n, i1 - i0, n, k,
                false, bias, hasBias, activation);
    }

    /**
     * Columns {@code [j0, j1)} of {@code C[M,N] = A[M,K]·B[K,N] (+bias, activation)}, all rows, all row-major and
     * dense: up to {@link RowStreamGemm#MAX_ROWS} rows by {@link RowStreamGemm}, more by the blocked product on a
     * view of B's columns. Both accumulate as {@link #gemm} does, so a column's values do not depend on the split.
     */
    public static void gemmColumns(float[] a, float[] b, float[] bias, float[] c, int m, int n, int k, int hasBias,
                            int activation, int j0, int j1) {
        if (j0 >= j1 || m == 0) {
            return;
        }
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, i * n + j0, i * n + j1, 0f);
            }
        } else if (m <= RowStreamGemm.MAX_ROWS) {
            RowStreamGemm.product(a, b, c, m, n, k, j0, j1);
        } else {
            product(new Matrix(a, k, 0, 0), new Matrix(b, n, 0, j0), false, c, j0, n, m, j1 - j0, k, false, null, 0,
                    0);
        }
        Epilogues.apply(c, j0, n, m, j0, j1 - j0, bias, hasBias, activation);
    }

    /**
     * A strided view of a row-major array: element {@code (i, j)} is {@code data[(row + i)·ld + col + j]}.
     *
     * @param data the array
     * @param ld   row stride
     * @param row  first row
     * @param col  first column
     */
    public record Matrix(float[] data, int ld, int row, int col) {
    }

    /**
     * {@code C[m,n] = A[m,k]·B[k,n]} (or {@code +=} when {@code accumulate}), then the epilogue
     * {@code + bias[j]}, activation. B is read as {@code [k,n]}, or as {@code [n,k]} when {@code transB};
     * C element {@code (i, j)} is {@code c[cOff + i·ldc + j]}. Needs {@code k ≥ 1}.
     */
    public static void product(Matrix a, Matrix b, boolean transB, float[] c, int cOff, int ldc, int m, int n, int k,
                        boolean accumulate, float[] bias, int hasBias, int activation) {
        float[] ap = PACKED_A.get();
        for (int ic = 0; ic < m; ic += MC) {
            int mc = Math.min(MC, m - ic);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packA(a.data(), a.ld(), a.row() + ic, mc, a.col() + pc, kc, ap, 0);
                sweep(ap, 0, false, null, 0, 0, b, transB, pc, kc, c, cOff + ic * ldc, ldc, mc, n,
                        pc == 0 && !accumulate, pc + kc >= k, bias, hasBias, activation);
            }
        }
    }

    /**
     * Whether depth {@code k} fits one block, as {@link #packRows}, {@link #packPanels}, {@link #productColumns}
     * need.
     */
    public static boolean fitsDepth(int k) {
        return k <= KC;
    }

    /**
     * Packs every {@code NR}-column panel of {@code B[k,n]} ({@code [n,k]} when {@code transB}; {@link #fitsDepth})
     * into {@code bp} from {@code bpOff} ({@link #panelFloats} floats), panel {@code g} at {@code bpOff + g·NR·k}:
     * packed once, used by several {@link #productPacked} or {@link #productColumns} calls.
     */
    public static void packPanels(Matrix b, boolean transB, int n, int k, float[] bp, int bpOff) {
        for (int jr = 0; jr < n; jr += NR) {
            packPanel(b, transB, jr, Math.min(NR, n - jr), 0, k, bp, bpOff + jr * k);
        }
    }

    /** Floats of {@code B[k,n]} {@link #packPanels packed}: {@code ⌈n/NR⌉·NR·k}, the last panel zero-padded. */
    public static int panelFloats(int n, int k) {
        return (n + NR - 1) / NR * NR * k;
    }

    /**
     * Packs the {@code m} rows of {@code A[m,k]} ({@link #fitsDepth}) into micro-panels at {@code ap[apOff]}
     * ({@code ⌈m/MR⌉·MR·k} floats, zero-padded), for {@link #productPacked}.
     */
    public static void packRows(Matrix a, int m, int k, float[] ap, int apOff) {
        packA(a.data(), a.ld(), a.row(), m, a.col(), k, ap, apOff);
    }

    /**
     * {@code C[m,n] = A[m,k]·B} with A {@link #packRows packed} at {@code ap[apOff]} (its first {@code m} rows)
     * and B {@link #packPanels packed}; no bias or activation. Both packings can then serve many products.
     */
    public static void productPacked(float[] ap, int apOff, float[] bp, float[] c, int cOff, int ldc, int m, int n, int k) {
        sweep(ap, apOff, false, bp, 0, k, null, false, 0, k, c, cOff, ldc, m, n, true, false, null, 0, 0);
    }

    /**
     * {@code C[m,n] += A[m,k]·B[k,n]} ({@link #fitsDepth}) with A stored column-major at stride
     * {@link #COLUMN_STRIDE}: {@code A(i, p) = at[aOff + p·COLUMN_STRIDE + i]}, read in place (the key-major
     * probability tiles of fused attention), so no packing of A; B {@link #packPanels packed} at {@code bp[bpOff]}
     * with depth {@code packedK ≥ k} (the value tiles, packed once per head and call rather than once per query
     * group; a causal group may use fewer of a tile's rows than were packed).
     */
    public static void productColumns(float[] at, int aOff, float[] bp, int bpOff, int packedK, float[] c, int cOff, int ldc,
                               int m, int n, int k) {
        sweep(at, aOff, true, bp, bpOff, packedK, null, false, 0, k, c, cOff, ldc, m, n, false, false, null, 0, 0);
    }

    /**
     * One A block (rows at {@code c[cOff]}, depth {@code [pc, pc+kc)}) against every panel of B: A packed
     * ({@link #packA}) or, when {@code columnMajorA}, column-major at {@code a[aOff]}; B either already packed
     * ({@code packedB} from {@code packedOff}, {@link #packPanels} with depth {@code packedK}) or packed here panel
     * by panel from {@code b}.
     */
    private static void sweep(float[] a, int aOff, boolean columnMajorA, float[] packedB, int packedOff, int packedK,
                              Matrix b, boolean transB, int pc, int kc, float[] c, int cOff, int ldc, int mc, int n,
                              boolean first, boolean last, float[] bias, int hasBias, int activation) {
        float[] bp = packedB != null ? packedB : PACKED_B.get();
        float[] scratch = SCRATCH.get();
        for (int jr = 0; jr < n; jr += NR) {
            int nr = Math.min(NR, n - jr);
            int bOff = 0;
            if (packedB != null) {
                bOff = packedOff + jr * packedK;
            } else {
                packPanel(b, transB, jr, nr, pc, kc, bp, 0);
            }
            for (int ir = 0; ir < mc; ir += MR) {
                int at = columnMajorA ? aOff + ir : aOff + ir * kc;
                tile(a, at, columnMajorA, bp, bOff, kc, c, cOff + ir * ldc + jr, ldc, Math.min(MR, mc - ir), nr, first,
                        scratch);
            }
        }
        if (last) {
            // Once over the block's rows, not per panel: long rows keep the vector activations in tight loops
            // (per 16-column panel, GELU made linear1 1.5x slower).
            Epilogues.apply(c, cOff, ldc, mc, 0, n, bias, hasBias, activation);
        }
    }

    /** Columns {@code [jr, jr+nr)}, depth {@code [pc, pc+kc)} of B into the panel at {@code bp[bOff]}. */
    private static void packPanel(Matrix b, boolean transB, int jr, int nr, int pc, int kc, float[] bp, int bOff) {
        if (transB) {
            packBTransposed(b.data(), b.ld(), b.row() + jr, nr, b.col() + pc, kc, bp, bOff);
        } else {
            packB(b.data(), b.ld(), b.col() + jr, nr, b.row() + pc, kc, bp, bOff);
        }
    }

    /**
     * A[ic.., pc..] (row stride {@code k}, {@code mc} rows, {@code kc ≤ KC} columns) into micro-panels at
     * {@code ap[apOff]}: panel g holds rows {@code ic + g·MR ..}, {@code [kc][MR]}, zero-padded.
     */
    private static void packA(float[] a, int k, int ic, int mc, int pc, int kc, float[] ap, int apOff) {
        for (int g = 0; g < mc; g += MR) {
            int rows = Math.min(MR, mc - g);
            int base = apOff + g * kc;
            for (int r = 0; r < MR; r++) {
                if (r < rows) {
                    int src = (ic + g + r) * k + pc;
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + r] = a[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + r] = 0f;
                    }
                }
            }
        }
    }

    /** B[pc.., jr..] (row stride {@code n}) into a {@code [kc][NR]} panel, columns past {@code nr} zero. */
    private static void packB(float[] b, int n, int jr, int nr, int pc, int kc, float[] bp, int bOff) {
        if (nr == NR) {
            // Two vector copies per row: System.arraycopy's call overhead is large for 16 floats.
            for (int p = 0; p < kc; p++) {
                int src = (pc + p) * n + jr;
                FloatVector.fromArray(S, b, src).intoArray(bp, bOff + p * NR);
                FloatVector.fromArray(S, b, src + L).intoArray(bp, bOff + p * NR + L);
            }
            return;
        }
        for (int p = 0; p < kc; p++) {
            int src = (pc + p) * n + jr;
            int dst = bOff + p * NR;
            System.arraycopy(b, src, bp, dst, nr);
            java.util.Arrays.fill(bp, dst + nr, dst + NR, 0f);
        }
    }

    /**
     * Bᵀ panel from B stored {@code [N,K]} (row stride {@code k}): {@code bp[p][j] = b[jr + j][pc + p]}, columns
     * past {@code nr} zero.
     */
    private static void packBTransposed(float[] b, int k, int jr, int nr, int pc, int kc, float[] bp, int bOff) {
        for (int j = 0; j < NR; j++) {
            if (j < nr) {
                int src = (jr + j) * k + pc;
                for (int p = 0; p < kc; p++) {
                    bp[bOff + p * NR + j] = b[src + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    bp[bOff + p * NR + j] = 0f;
                }
            }
        }
    }

    /**
     * {@code C[ir.., jr..] (+)= A·Bp} for one {@code rows × cols} tile (at most {@code MR × NR}): from zero
     * when {@code first}, else from C. A full tile runs in place; an edge tile runs on a scratch tile so the
     * micro-kernels never need masks.
     */
    private static void tile(float[] a, int aOff, boolean columnMajorA, float[] bp, int bOff, int kc, float[] c,
                             int cOff, int ldc, int rows, int cols, boolean first, float[] scratch) {
        if (rows == MR && cols == NR) {
            microKernel(a, aOff, columnMajorA, bp, bOff, kc, c, cOff, ldc, first);
            return;
        }
        if (!first) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, cOff + r * ldc, scratch, r * NR, cols);
            }
        }
        microKernel(a, aOff, columnMajorA, bp, bOff, kc, scratch, 0, NR, first);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(scratch, r * NR, c, cOff + r * ldc, cols);
        }
    }

    /** The micro-kernel for A's layout; {@code fromZero}: C's old values are not read. */
    private static void microKernel(float[] a, int aOff, boolean columnMajorA, float[] bp, int bOff, int kc, float[] c,
                                    int cOff, int ldc, boolean fromZero) {
        if (columnMajorA) {
            microKernelColumns(a, aOff, bp, bOff, kc, c, cOff, ldc, fromZero);
        } else {
            microKernelPacked(a, aOff, bp, bOff, kc, c, cOff, ldc, fromZero);
        }
    }

    /** Row {@code cOff}'s {@code L} floats, or zeros: one branch per tile instead of clearing C first. */
    private static FloatVector load(float[] c, int cOff, boolean zero) {
        return zero ? FloatVector.zero(S) : FloatVector.fromArray(S, c, cOff);
    }

    /**
     * {@code C[MR, NR] += Ap·Bp} (or {@code =} when {@code fromZero}) over depth {@code kc}, the {@code MR × 2}
     * accumulators held in registers, A from
     * a packed micro-panel ({@code A(r, p) = ap[aOff + p·MR + r]}). Four rows: with six, C2 schedules the
     * broadcasts early and spills accumulators on 16-register AVX2.
     */
    private static void microKernelPacked(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff,
                                          int ldc, boolean fromZero) {
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

    /**
     * {@link #microKernelPacked} with A column-major ({@code A(r, p) = at[aOff + p·COLUMN_STRIDE + r]}). A second
     * copy because the stride must be a constant: with a stride passed in, C2 keeps the range checks in the loop
     * and the kernel runs at half speed.
     */
    private static void microKernelColumns(float[] at, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff,
                                           int ldc, boolean fromZero) {
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
            int ai = aOff + p * COLUMN_STRIDE;
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

    private static void epilogueOnly(float[] bias, float[] c, int n, int hasBias, int activation, int i0, int i1) {
        for (int i = i0; i < i1; i++) {
            for (int j = 0; j < n; j++) {
                c[i * n + j] = Gemm.epilogue(0f, bias, j, hasBias, activation);
            }
        }
    }
}
