package dev.squall.engine.jvm.fast.driver;

import dev.squall.engine.jvm.PlanConstants;
import dev.squall.engine.jvm.fast.lanes.VectorWidth;
import dev.squall.tasks.gemm.Gemm;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fp32 GEMM of the fast paths, {@code C = A·B} or {@code A·Bᵀ} on strided views of arrays: a
 * {@link BlockedGemm} around the micro-kernel for this machine's vectors ({@link EightRowKernel} on 512-bit
 * vectors, {@link FourRowKernel} otherwise) with cache blocks derived from the cache sizes it reports
 * ({@link GemmBlocking#of}). For fused attention, A and B can also be packed once and reused over many products
 * ({@link #packRows}, {@link #packPanels}, {@link #productPacked}), and A can be read in place from a
 * column-major tile ({@link #productColumns}). A weight matrix that is a constant of the running plan is packed
 * once per plan ({@link PlanConstants}) instead of once per call.
 *
 * <p>Every output element is accumulated by {@code acc = fma(a_ip, b_pj, acc)} for {@code p} ascending
 * from 0, whatever block, panel or row group it falls in, so results do not depend on how the rows are
 * split between calls or threads. They differ from the plain kernels by FMA's single rounding only.
 */
public final class GemmDriver {
    /** The float species of the GEMM fast paths ({@link VectorWidth#FLOAT}). */
    public static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    /** Floats per vector of {@link #S}. */
    public static final int L = S.length();
    /**
     * Column stride of the column-major A of {@link #productColumns}: 136 floats (544 bytes), not 128, so that a
     * micro-kernel's walk down 128 columns does not keep hitting the same few L1 sets (measured 80 against 83
     * GFLOP/s; 4 KiB-aliased strides evict each other).
     */
    public static final int COLUMN_STRIDE = 136;
    /** The GEMM every fast path runs. */
    public static final BlockedGemm DEFAULT = new BlockedGemm(GemmBlocking.of(
            S.vectorBitSize() >= 512 ? EightRowKernel.INSTANCE : FourRowKernel.INSTANCE, CacheSizes.machine()));
    /** Rows of the micro-kernel. */
    public static final int MR = DEFAULT.blocking().kernel().rows();
    /** Columns of the micro-kernel: two vectors. */
    public static final int NR = DEFAULT.blocking().kernel().columns();
    /** Depth block, at least {@link GemmBlocking#MIN_KC}. */
    public static final int KC = DEFAULT.blocking().kc();
    /** Row block. */
    public static final int MC = DEFAULT.blocking().mc();

    private GemmDriver() {
    }

    /**
     * The micro-kernel and blocking the fast paths run, and the cache sizes they come from, for {@code squall info}:
     * e.g. {@code 8×32 (8 rows × 2 vectors of 512 bits), kc=512 mc=256 nc=256; L1d 48 KiB, L2 1024 KiB (sysfs)}.
     */
    public static String describe() {
        return DEFAULT.blocking().describe() + "; " + DEFAULT.blocking().caches().describe();
    }

    /** {@link #describe} without the caches, e.g. {@code 8×32 kc=512 mc=256 nc=256}, for backend descriptions. */
    public static String summary() {
        GemmBlocking b = DEFAULT.blocking();
        return b.kernel().rows() + "×" + b.kernel().columns() + " kc=" + b.kc() + " mc=" + b.mc() + " nc=" + b.nc();
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
        BlockedGemm.PackedB packed = transB ? null : packedWeights(b, k, n);
        if (packed != null) {
            DEFAULT.product(new Matrix(a, k, i0, 0), packed, 0, c, i0 * n, n, i1 - i0, n, bias, hasBias, activation);
        } else {
            product(new Matrix(a, k, i0, 0), new Matrix(b, transB ? k : n, 0, 0), transB, c, i0 * n, n, i1 - i0, n,
                    k, false, bias, hasBias, activation);
        }
    }

    /**
     * {@code B[k, n]} packed for {@link #DEFAULT} when it is a constant of the running plan (weights), packed on
     * the plan's first use ({@link PlanConstants}); {@code null} otherwise.
     */
    private static BlockedGemm.PackedB packedWeights(float[] b, int k, int n) {
        return PlanConstants.derived(b, new PackedShape(k, n), () -> DEFAULT.pack(b, k, n));
    }

    /** What {@link #packedWeights} derives from an array: {@code [k, n]} packed for {@link #DEFAULT}. */
    private record PackedShape(int k, int n) {
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
        } else if (m > RowStreamGemm.MAX_ROWS) {
            BlockedGemm.PackedB packed = DEFAULT.panelAligned(j0) ? packedWeights(b, k, n) : null;
            if (packed != null) {
                DEFAULT.product(new Matrix(a, k, 0, 0), packed, j0, c, j0, n, m, j1 - j0, bias, hasBias, activation);
                return;
            }
            product(new Matrix(a, k, 0, 0), new Matrix(b, n, 0, j0), false, c, j0, n, m, j1 - j0, k, false, null, 0,
                    0);
        } else {
            RowStreamGemm.product(a, b, c, m, n, k, j0, j1);
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
        DEFAULT.product(a, b, transB, c, cOff, ldc, m, n, k, accumulate, bias, hasBias, activation);
    }

    /**
     * Whether depth {@code k} fits one block, as {@link #packRows}, {@link #packPanels}, {@link #productColumns}
     * need.
     */
    public static boolean fitsDepth(int k) {
        return DEFAULT.fitsDepth(k);
    }

    /**
     * Packs every {@code NR}-column panel of {@code B[k,n]} ({@code [n,k]} when {@code transB}; {@link #fitsDepth})
     * into {@code bp} from {@code bpOff} ({@link #panelFloats} floats), panel {@code g} at {@code bpOff + g·NR·k}:
     * packed once, used by several {@link #productPacked} or {@link #productColumns} calls.
     */
    public static void packPanels(Matrix b, boolean transB, int n, int k, float[] bp, int bpOff) {
        DEFAULT.packPanels(b, transB, n, k, bp, bpOff);
    }

    /** Floats of {@code B[k,n]} {@link #packPanels packed}: {@code ⌈n/NR⌉·NR·k}, the last panel zero-padded. */
    public static int panelFloats(int n, int k) {
        return DEFAULT.panelFloats(n, k);
    }

    /**
     * Copies the {@code m} rows of {@code A[m,k]} ({@link #fitsDepth}) to {@code ap[apOff]}, contiguous and
     * zero-padded to whole micro-panels ({@code ⌈m/MR⌉·MR·k} floats), for {@link #productPacked}.
     */
    public static void packRows(Matrix a, int m, int k, float[] ap, int apOff) {
        DEFAULT.packRows(a, m, k, ap, apOff);
    }

    /**
     * {@code C[m,n] = A[m,k]·B} with A {@link #packRows packed} at {@code ap[apOff]} (its first {@code m} rows)
     * and B {@link #packPanels packed}; no bias or activation. Both packings can then serve many products.
     */
    public static void productPacked(float[] ap, int apOff, float[] bp, float[] c, int cOff, int ldc, int m, int n, int k) {
        DEFAULT.productPacked(ap, apOff, bp, c, cOff, ldc, m, n, k);
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
        DEFAULT.productColumns(at, aOff, bp, bpOff, packedK, c, cOff, ldc, m, n, k);
    }

    private static void epilogueOnly(float[] bias, float[] c, int n, int hasBias, int activation, int i0, int i1) {
        for (int i = i0; i < i1; i++) {
            for (int j = 0; j < n; j++) {
                c[i * n + j] = Gemm.epilogue(0f, bias, j, hasBias, activation);
            }
        }
    }
}
