package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.engine.jvm.fast.math.VectorMath;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.quant.BlockQ4;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.F;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.I8;
import static dev.squall.engine.jvm.fast.lanes.QuantLanes.L;

/**
 * The GEMV of {@link BlockQ4#gemmQ8} (Q4_0 weights × Q8_0 activations) on the fast path, in 16-bit integer lanes
 * with no lane-type conversion anywhere (the Vector API's conversions are slow when their call site has seen
 * several kinds). Per pair of blocks, the 32 bytes of nibbles are read as 16 16-bit lanes; their four nibble
 * fields multiply the matching activations of {@link Q8Activations} (at most {@code 4·15·127} per lane). The
 * 16 sums pair up into 8 int lanes (4 per block) and become floats exactly by the {@code 1.5·2²³} trick (they
 * stay below 2²²), whose subtraction also removes the nibbles' offsets of 8; they are scaled per block into
 * fp32 lanes, the two scales {@code d_w·d_x} of a pair spread over their block's lanes by one shuffle. The scales of all the
 * call's weight rows are computed first ({@link #scales}). The blocks past the last whole pair take the plain
 * kernel's loop, and so does a call whose weight scales include ∞ or NaN.
 */
final class Q4Q8Gemv {
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final int BLOCK = BlockQ4.BLOCK;
    private static final int BYTES = BlockQ4.BLOCK_BYTES;
    /** A pair's two block scales (lanes 0 and 1) over the 4 int lanes of each block. */
    private static final VectorShuffle<Float> SPREAD = VectorShuffle.fromValues(F, 0, 0, 0, 0, 1, 1, 1, 1);
    /** Lanes 0–3 each twice: with {@link #ODD_LANES}, zips the first halves of two vectors. */
    private static final VectorShuffle<Integer> ZIP_LOW = VectorShuffle.fromValues(I8, 0, 0, 1, 1, 2, 2, 3, 3);
    /** Lanes 4–7 each twice. */
    private static final VectorShuffle<Integer> ZIP_HIGH = VectorShuffle.fromValues(I8, 4, 4, 5, 5, 6, 6, 7, 7);
    private static final VectorMask<Integer> ODD_LANES = VectorMask.fromLong(I8, 0xaa);

    private Q4Q8Gemv() {
    }

    /** Output rows {@code [j0, j1)} of {@link BlockQ4#gemmQ8} for {@code m} activation rows. */
    static void run(byte[] xq, short[] xd, byte[] qs, short[] d, float[] bias, float[] y, int m, int n, int k,
                    int hasBias, int activation, int j0, int j1) {
        int blocks = (k + BLOCK - 1) / BLOCK;
        int pairs = blocks / 2;
        int whole = k / BLOCK / 2;
        Q8Activations a = Q8Activations.of(xq, xd, m, blocks, j1 - j0);
        for (int i = 0; i < m; i++) {
            boolean finite = scales(a, i, d, j0, j1);
            for (int j = j0; j < j1; j++) {
                float sum = finite ? pairs(a, i * pairs, (j - j0) * 2 * pairs, qs, j * blocks, whole)
                        + BlockQ4.dotQ8(xq, xd, i, qs, d, j, k, 2 * whole) : BlockQ4.dotQ8(xq, xd, i, qs, d, j, k, 0);
                y[i * n + j] = Gemm.epilogue(sum, bias, j, hasBias, activation);
            }
        }
    }

    /**
     * The scale products {@code d_w·d_x} of activation row {@code i} and weight rows {@code [j0, j1)}, in block
     * order into {@link Q8Activations#scales}, all at once before any sum: a method of its own keeps the summing
     * loop's compiled code small (C2 stops inlining the Vector API past a node budget, and an operation left as
     * a call allocates). Sixteen blocks at a time: their fp16 weight scales read as 8 int lanes of two halves,
     * split, put back in block order by two shuffles and converted exactly; the blocks past the last group of 16,
     * one by one. False when a weight scale is ∞ or NaN.
     */
    private static boolean scales(Q8Activations a, int i, short[] d, int j0, int j1) {
        int blocks = a.blocks();
        int covered = blocks / 2 * 2;
        float[] dx = a.dx();
        float[] out = a.scales();
        IntVector special = IntVector.zero(I8);
        int tail = 0;
        for (int j = j0; j < j1; j++) {
            int at = (j - j0) * covered;
            int b = 0;
            for (; b + 2 * L <= covered; b += 2 * L) {
                IntVector h = ShortVector.fromArray(S16, d, j * blocks + b).reinterpretAsInts();
                // exponent 31 in either half carries into that half's top bit
                special = special.or(h.and(0x7c007c00).add(0x04000400));
                IntVector even = h.and(0xffff);
                IntVector odd = h.lanewise(VectorOperators.LSHR, 16);
                QuantLanes.finiteHalves(even.rearrange(ZIP_LOW).blend(odd.rearrange(ZIP_LOW), ODD_LANES))
                        .mul(FloatVector.fromArray(F, dx, i * blocks + b)).intoArray(out, at + b);
                QuantLanes.finiteHalves(even.rearrange(ZIP_HIGH).blend(odd.rearrange(ZIP_HIGH), ODD_LANES))
                        .mul(FloatVector.fromArray(F, dx, i * blocks + b + L)).intoArray(out, at + b + L);
            }
            for (; b < covered; b++) {
                out[at + b] = Float.float16ToFloat(d[j * blocks + b]) * dx[i * blocks + b];
                tail |= (d[j * blocks + b] & 0x7c00) + 0x0400;
            }
        }
        return ((special.reduceLanes(VectorOperators.OR) | tail) & 0x80008000) == 0;
    }

    /**
     * The scaled sums of {@code pairs} pairs of blocks from {@code block0}, activations from pair {@code pair0},
     * scales (in block order) from {@code scale0}.
     */
    private static float pairs(Q8Activations a, int pair0, int scale0, byte[] qs, int block0, int pairs) {
        float[] scales = a.scales();
        FloatVector acc = FloatVector.zero(F);
        for (int p = 0; p < pairs; p++) {
            FloatVector scale = FloatVector.fromArray(F, scales, scale0 + 2 * p).rearrange(SPREAD);
            acc = pair(a, pair0 + p, qs, block0 + 2 * p).fma(scale, acc);
        }
        return QuantLanes.sum(acc);
    }

    /**
     * The 8 integer sums (4 per block, as exact floats) of the pair whose activations are pair {@code pair}: the
     * offsets of 8 are removed in the conversion to float ({@link Q8Activations#bias}).
     */
    private static FloatVector pair(Q8Activations a, int pair, byte[] qs, int block) {
        short[] x = a.lanes();
        ShortVector v = ByteVector.fromArray(B32, qs, block * BYTES).reinterpretAsShorts();
        int xp = pair * Q8Activations.PAIR;
        ShortVector s = v.and((short) 0xf).mul(ShortVector.fromArray(S16, x, xp))
                .add(field(v, 4).mul(ShortVector.fromArray(S16, x, xp + 16)))
                .add(field(v, 8).mul(ShortVector.fromArray(S16, x, xp + 32)))
                .add(v.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(S16, x, xp + 48)));
        IntVector halves = s.reinterpretAsInts();
        // A lane's two 16-bit sums added in its upper half, then shifted down: exact, since their sum stays within
        // 16 bits (at most 2·4·15·127) and the low half adds no carry. One operation fewer than widening each half.
        IntVector sums = halves.add(halves.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
        return sums.add(VectorMath.ROUNDER_BITS).reinterpretAsFloats().sub(FloatVector.fromArray(F, a.bias(), pair * L));
    }

    /** The nibble at bit {@code shift} of each 16-bit lane. */
    private static ShortVector field(ShortVector v, int shift) {
        return v.lanewise(VectorOperators.LSHR, shift).and((short) 0xf);
    }
}
