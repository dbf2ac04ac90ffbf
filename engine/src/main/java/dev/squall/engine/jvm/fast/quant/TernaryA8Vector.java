package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.RowGemmDriver;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.quant.TernaryA8;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.I8;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * Fast path of {@link TernaryA8#gemm}. GEMV (fewer than {@link RowGemmDriver#MIN_ROWS} activation rows): the
 * int8 activations are widened once to 16-bit lanes; each group's 8 code words, read as 16 lanes, give the
 * codes {@code c = t + 1} of 16 consecutive weights per 2-bit shift, multiplied with 16 activations and summed
 * in 16-bit lanes ({@code Σ c·q − Σ q}), flushed to 32-bit lanes every {@link #FLUSH} groups. The sum is exact,
 * so the output equals the plain kernel's bit for bit. GEMM: activations {@code s_x·q_x} and weights decoded to
 * fp32 through {@link RowGemmDriver} (fp32 sums of exact products, within the GEMM tests' fp32 bound).
 */
@FastPathFor(TernaryA8.class)
public final class TernaryA8Vector implements FastPath {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final int GROUP = TernaryA8.GROUP;
    private static final int WORDS = TernaryA8.GROUP_WORDS;
    /** Groups summed in 16-bit lanes before a flush: 8 products of at most 2·127 per lane each, 16·2032 < 2¹⁵. */
    private static final int FLUSH = 16;
    private static final ThreadLocal<short[][]> SCRATCH = ThreadLocal.withInitial(() -> new short[1][0]);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public TernaryA8Vector() {
    }

    /** As {@link TernaryA8#gemm}. */
    public static void gemm(byte[] qx, float[] sx, int[] codes, float[] scales, float[] bias, float[] y, int m, int n,
                            int k, int hasBias, int activation, int rowOffset, int rowCount) {
        int groups = (k + GROUP - 1) / GROUP;
        if (m >= RowGemmDriver.MIN_ROWS) {
            float[] xs = Int8ActivationsVector.activations(qx, sx, null, null, m, k);
            RowGemmDriver.gemm(xs, (row, p0, p1, dst, off) -> decode(codes, row * groups, scales[row], p0, p1, dst,
                    off), bias, y, m, n, k, hasBias, activation, rowOffset, rowOffset + rowCount);
            return;
        }
        int full = k / GROUP;
        short[] xs = widened(qx, m * k);
        for (int i = 0; i < m; i++) {
            int qsum = 0;
            for (int p = 0; p < full * GROUP; p++) {
                qsum += xs[i * k + p];
            }
            for (int j = rowOffset; j < rowOffset + rowCount; j++) {
                int sum = dot(xs, i * k, codes, j * groups * WORDS, full) - qsum
                        + TernaryA8.dot(qx, i * k, codes, j, k, full * GROUP);
                y[i * n + j] = Gemm.epilogue(sum * (sx[i] * scales[j]), bias, j, hasBias, activation);
            }
        }
    }

    /** {@code qx[0 .. length)} in a per-thread 16-bit copy. */
    private static short[] widened(byte[] qx, int length) {
        short[][] holder = SCRATCH.get();
        if (holder[0].length < length) {
            holder[0] = new short[length];
        }
        short[] xs = holder[0];
        for (int p = 0; p < length; p++) {
            xs[p] = qx[p];
        }
        return xs;
    }

    /** {@code Σ c·q} over the first {@code full} groups of the row whose first word is {@code word0}. */
    static int dot(short[] xs, int xb, int[] codes, int word0, int full) {
        IntVector total = IntVector.zero(I8);
        for (int g0 = 0; g0 < full; g0 += FLUSH) {
            ShortVector lanes = ShortVector.zero(S);
            for (int g = g0; g < Math.min(full, g0 + FLUSH); g++) {
                ShortVector c = IntVector.fromArray(I8, codes, word0 + g * WORDS).reinterpretAsShorts();
                int xp = xb + g * GROUP;
                ShortVector a = term(c, 0, xs, xp).add(term(c, 1, xs, xp));
                ShortVector b = term(c, 2, xs, xp).add(term(c, 3, xs, xp));
                ShortVector d = term(c, 4, xs, xp).add(term(c, 5, xs, xp));
                ShortVector e = term(c, 6, xs, xp).add(term(c, 7, xs, xp));
                lanes = lanes.add(a.add(b).add(d.add(e)));
            }
            IntVector pairs = lanes.reinterpretAsInts();
            total = total.add(pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(pairs.lanewise(VectorOperators.ASHR, 16));
        }
        return total.reduceLanes(VectorOperators.ADD);
    }

    /** Codes at shift {@code s} (weights {@code 16s .. 16s+15} of the group) times their activations. */
    private static ShortVector term(ShortVector c, int s, short[] xs, int xp) {
        ShortVector codes = c.lanewise(VectorOperators.LSHR, 2 * s).and((short) 3);
        return codes.mul(ShortVector.fromArray(S, xs, xp + 16 * s));
    }

    /** Weights {@code [p0, p1)} of the row whose first group is {@code group0}, as {@code γ·t}. */
    static void decode(int[] codes, int group0, float scale, int p0, int p1, float[] dst, int off) {
        FloatVector gamma = FloatVector.broadcast(F, scale);
        int p = p0;
        for (; p % GROUP == 0 && p + GROUP <= p1; p += GROUP) {
            ShortVector c = IntVector.fromArray(I8, codes, (group0 + p / GROUP) * WORDS).reinterpretAsShorts();
            for (int s = 0; s < 8; s++) {
                ShortVector t = c.lanewise(VectorOperators.LSHR, 2 * s).and((short) 3).sub((short) 1);
                int o = off + p - p0 + 16 * s;
                ((FloatVector) t.convertShape(VectorOperators.S2F, F, 0)).mul(gamma).intoArray(dst, o);
                ((FloatVector) t.convertShape(VectorOperators.S2F, F, 1)).mul(gamma).intoArray(dst, o + L);
            }
        }
        for (; p < p1; p++) {
            dst[off + p - p0] = (TernaryA8.code(codes, group0 + p / GROUP, p % GROUP) - 1) * scale;
        }
    }
}
