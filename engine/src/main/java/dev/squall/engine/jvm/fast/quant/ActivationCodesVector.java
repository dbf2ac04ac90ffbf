package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.quant.ActivationCodes;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast paths of {@link ActivationCodes}, bit for bit the plain kernels' results on the machine's preferred
 * vectors: group minimum and maximum as lane-wise min/max (exact in any order), the codes with the same float
 * operations in the same order (no FMA) and the generator's integer hash in int lanes; 8-bit codes narrowed and
 * stored a vector at a time, 4- and 2-bit codes assembled into bytes from a row of int codes. Unpacking widens
 * {@code L} bytes to int lanes, spreads each byte over the lanes of its codes with one shuffle and shifts every
 * lane by its own amount. A group size that is not a multiple of a byte's codes (outside the kernels' contract)
 * runs the plain kernel.
 */
@FastPathFor(ActivationCodes.class)
public final class ActivationCodesVector implements FastPath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    /** {@code L} bytes: widened to {@link #I} for unpacking, narrowed from it for 8-bit codes. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    private static final ThreadLocal<int[][]> CODES = ThreadLocal.withInitial(() -> new int[1][0]);
    /** Per width (index {@code bits / 4}: 2 → 0, 4 → 1): lane {@code i} reads byte {@code i / (8/bits)}. */
    private static final VectorShuffle<Integer>[] SPREAD = spreads();
    /** Per width: lane {@code i} shifts by {@code (i mod (8/bits))·bits}. */
    private static final IntVector[] SHIFTS = {shifts(2), shifts(4)};

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public ActivationCodesVector() {
    }

    /** As {@link ActivationCodes#pack}. */
    public static void pack(float[] x, byte[] codes, float[] scales, float[] mins, int[] seed, int cols, int groupSize,
                            int bits, int rowOffset, int rowCount) {
        int perByte = 8 / bits;
        if (groupSize % perByte != 0 && groupSize < cols) {
            ActivationCodes.pack(x, codes, scales, mins, seed, cols, groupSize, bits, rowOffset, rowCount);
            return;
        }
        int levels = (1 << bits) - 1;
        int groups = ActivationCodes.groups(cols, groupSize);
        int rowBytes = ActivationCodes.rowBytes(cols, bits);
        int key = ActivationCodes.seedKey(seed[0]);
        int[] q = bits == 8 ? null : scratch(cols);
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int base = row * cols;
            for (int g = 0; g < groups; g++) {
                int c0 = g * groupSize;
                int c1 = Math.min(c0 + groupSize, cols);
                float lo = x[base + c0];
                float hi = lo;
                int c = c0;
                if (c1 - c0 >= L) {
                    FloatVector vlo = FloatVector.fromArray(F, x, base + c0);
                    FloatVector vhi = vlo;
                    for (c = c0 + L; c + L <= c1; c += L) {
                        FloatVector v = FloatVector.fromArray(F, x, base + c);
                        vlo = vlo.min(v);
                        vhi = vhi.max(v);
                    }
                    lo = vlo.reduceLanes(VectorOperators.MIN);
                    hi = vhi.reduceLanes(VectorOperators.MAX);
                }
                for (; c < c1; c++) {
                    lo = Math.min(lo, x[base + c]);
                    hi = Math.max(hi, x[base + c]);
                }
                float s = (hi - lo) / levels;
                float inv = s >= 0x1p-126f ? 1f / s : 0f;
                scales[row * groups + g] = s;
                mins[row * groups + g] = lo;
                if (bits == 8) {
                    codes8(x, codes, base, row * rowBytes, c0, c1, lo, inv);
                } else {
                    codes(x, q, base, c0, c1, lo, inv, key, levels);
                }
            }
            if (bits != 8) {
                assemble(q, codes, row * rowBytes, cols, bits, perByte);
            }
        }
    }

    /** As {@link ActivationCodes#unpack}. */
    public static void unpack(byte[] codes, float[] scales, float[] mins, float[] x, int cols, int groupSize, int bits,
                              int rowOffset, int rowCount) {
        int perByte = 8 / bits;
        if (groupSize % perByte != 0 && groupSize < cols) {
            ActivationCodes.unpack(codes, scales, mins, x, cols, groupSize, bits, rowOffset, rowCount);
            return;
        }
        int levels = (1 << bits) - 1;
        int groups = ActivationCodes.groups(cols, groupSize);
        int rowBytes = ActivationCodes.rowBytes(cols, bits);
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            for (int g = 0; g < groups; g++) {
                int c0 = g * groupSize;
                int c1 = Math.min(c0 + groupSize, cols);
                float s = scales[row * groups + g];
                float lo = mins[row * groups + g];
                FloatVector vs = FloatVector.broadcast(F, s);
                FloatVector vlo = FloatVector.broadcast(F, lo);
                int c = c0;
                // c0 is a whole byte's first code; a load reads L bytes, so it must stay inside the array
                for (; c + L <= c1 && row * rowBytes + c / perByte + L <= codes.length; c += L) {
                    IntVector q = lanes(codes, row * rowBytes + c / perByte, bits, levels);
                    q.convert(VectorOperators.I2F, 0).reinterpretAsFloats().mul(vs).add(vlo).intoArray(x, row * cols + c);
                }
                for (; c < c1; c++) {
                    int q = (codes[row * rowBytes + c / perByte] >> ((c % perByte) * bits)) & levels;
                    x[row * cols + c] = lo + s * q;
                }
            }
        }
    }

    /** The codes of {@code L} columns from byte {@code off}: one load, widened, spread and shifted. */
    private static IntVector lanes(byte[] codes, int off, int bits, int levels) {
        IntVector wide = (IntVector) ByteVector.fromArray(B, codes, off).castShape(I, 0);
        if (bits != 8) {
            wide = wide.rearrange(SPREAD[bits / 4]).lanewise(VectorOperators.ASHR, SHIFTS[bits / 4]);
        }
        return wide.and(levels);
    }

    /** 8-bit codes of columns {@code [c0, c1)}: round to nearest, narrowed to bytes. */
    private static void codes8(float[] x, byte[] codes, int base, int codeBase, int c0, int c1, float lo, float inv) {
        FloatVector vlo = FloatVector.broadcast(F, lo);
        FloatVector vinv = FloatVector.broadcast(F, inv);
        int c = c0;
        for (; c + L <= c1; c += L) {
            FloatVector v = FloatVector.fromArray(F, x, base + c).sub(vlo).mul(vinv).add(0.5f).min(255f);
            v.convert(VectorOperators.F2I, 0).castShape(B, 0).reinterpretAsBytes().intoArray(codes, codeBase + c);
        }
        for (; c < c1; c++) {
            codes[codeBase + c] = (byte) (int) Math.min((x[base + c] - lo) * inv + 0.5f, 255f);
        }
    }

    /** Stochastic codes of columns {@code [c0, c1)} into {@code q[c]}, with the kernel's generator. */
    private static void codes(float[] x, int[] q, int base, int c0, int c1, float lo, float inv, int key, int levels) {
        FloatVector vlo = FloatVector.broadcast(F, lo);
        FloatVector vinv = FloatVector.broadcast(F, inv);
        float top = levels;
        int c = c0;
        for (; c + L <= c1; c += L) {
            FloatVector u = uniform(IOTA.add(base + c).lanewise(VectorOperators.XOR, key));
            FloatVector v = FloatVector.fromArray(F, x, base + c).sub(vlo).mul(vinv).add(u).min(top);
            ((IntVector) v.convert(VectorOperators.F2I, 0)).intoArray(q, c);
        }
        for (; c < c1; c++) {
            q[c] = (int) Math.min((x[base + c] - lo) * inv + ActivationCodes.uniform(key, base + c), top);
        }
    }

    /** {@link ActivationCodes#uniform} per lane of {@code key ^ index}. */
    private static FloatVector uniform(IntVector h0) {
        IntVector h = h0.lanewise(VectorOperators.XOR, h0.lanewise(VectorOperators.LSHR, 16)).mul(0x7feb352d);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 15)).mul(0x846ca68b);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
        return ((FloatVector) h.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
    }

    /** Packs {@code q[0 .. cols)} into the row's bytes, {@code perByte} codes each from the low bits. */
    private static void assemble(int[] q, byte[] codes, int codeBase, int cols, int bits, int perByte) {
        int whole = cols / perByte;
        if (perByte == 2) {
            for (int b = 0; b < whole; b++) {
                codes[codeBase + b] = (byte) (q[2 * b] | q[2 * b + 1] << 4);
            }
        } else {
            for (int b = 0; b < whole; b++) {
                codes[codeBase + b] = (byte) (q[4 * b] | q[4 * b + 1] << 2 | q[4 * b + 2] << 4 | q[4 * b + 3] << 6);
            }
        }
        if (whole * perByte < cols) {
            int packed = 0;
            for (int c = whole * perByte; c < cols; c++) {
                packed |= q[c] << ((c - whole * perByte) * bits);
            }
            codes[codeBase + whole] = (byte) packed;
        }
    }

    private static int[] scratch(int cols) {
        int[][] holder = CODES.get();
        if (holder[0].length < cols) {
            holder[0] = new int[cols];
        }
        return holder[0];
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Integer>[] spreads() {
        VectorShuffle<Integer>[] s = new VectorShuffle[2];
        for (int w = 0; w < 2; w++) {
            int perByte = w == 0 ? 4 : 2;
            s[w] = VectorShuffle.fromOp(I, i -> i / perByte);
        }
        return s;
    }

    private static IntVector shifts(int bits) {
        int perByte = 8 / bits;
        int[] shift = new int[L];
        for (int i = 0; i < L; i++) {
            shift[i] = (i % perByte) * bits;
        }
        return IntVector.fromArray(I, shift, 0);
    }
}
