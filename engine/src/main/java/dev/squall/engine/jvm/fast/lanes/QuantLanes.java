package dev.squall.engine.jvm.fast.lanes;

import dev.squall.engine.jvm.fast.math.VectorMath;
import dev.squall.tasks.precision.Half;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shared pieces of the compressed-weight fast paths: 8-lane float vectors (one AVX2 register; every packed
 * format's groups are multiples of 8), widening of packed lanes to floats, and the bit-to-lane tables of the
 * 1- and 2-bit formats.
 */
public final class QuantLanes {
    /** Eight floats. */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    /** Lanes of {@link #F}. */
    public static final int L = 8;
    /** Eight bytes, widened to {@link #F}. */
    public static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    /** Eight shorts, widened to {@link #F}. */
    public static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;
    /** Eight ints. */
    public static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    /** {@code BITS[8b + t] = (b >> t) & 1}: the lanes of byte {@code b} as 0 or 1. */
    public static final float[] BITS = new float[256 * L];
    /** {@code SIGNS[8b + t] = (b >> t) & 1 ? +1 : −1}. */
    public static final float[] SIGNS = new float[256 * L];

    static {
        for (int b = 0; b < 256; b++) {
            for (int t = 0; t < L; t++) {
                BITS[b * L + t] = (b >> t) & 1;
                SIGNS[b * L + t] = ((b >> t) & 1) != 0 ? 1f : -1f;
            }
        }
    }

    private QuantLanes() {
    }

    /** Bytes per {@link #byteLane} chunk: one 256-bit load. */
    public static final int CHUNK = 32;
    /** Thirty-two bytes, read as {@link #I8}. */
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final ThreadLocal<float[][]> CHUNK_ORDER = ThreadLocal.withInitial(() -> new float[1][0]);

    /** The 32 bytes of a chunk from {@code a[off]} as 8 int lanes of 4 bytes, for {@link #byteLane}. */
    public static IntVector chunk(byte[] a, int off) {
        return ByteVector.fromArray(B32, a, off).reinterpretAsInts();
    }

    /**
     * Byte {@code t} of each int lane of a {@link #chunk}, signed, as floats: chunk bytes {@code 4i + t} for
     * {@code i < 8}. Shifts and one int-to-float conversion: one 32-byte load per chunk instead of four 8-byte
     * loads widened by {@link #bytes}.
     */
    public static FloatVector byteLane(IntVector chunk, int t) {
        IntVector v = t == 3 ? chunk : chunk.lanewise(VectorOperators.LSHL, 24 - 8 * t);
        return (FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    /**
     * The {@code m} rows of {@code x[m, k]} with each whole 32-element chunk in {@link #byteLane} order (element
     * {@code 4i + t} of a chunk at {@code 8t + i}), so a chunk's byte lanes multiply contiguous vectors; a last
     * partial chunk is left out. Per-thread scratch, reused while large enough.
     */
    public static float[] chunkOrder(float[] x, int m, int k) {
        float[][] holder = CHUNK_ORDER.get();
        if (holder[0].length < m * k) {
            holder[0] = new float[m * k];
        }
        float[] out = holder[0];
        for (int i = 0; i < m; i++) {
            for (int c = 0; c + CHUNK <= k; c += CHUNK) {
                int base = i * k + c;
                for (int t = 0; t < 4; t++) {
                    for (int l = 0; l < L; l++) {
                        out[base + t * L + l] = x[base + 4 * l + t];
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@code Σ} of one chunk's 32 products in 8 lanes: weights from {@code q[qp]} (a {@link #chunk}) times the
     * activations at {@code xo[xp]} in {@link #chunkOrder}.
     */
    public static FloatVector chunkProducts(float[] xo, int xp, byte[] q, int qp) {
        IntVector w = chunk(q, qp);
        FloatVector s = byteLane(w, 0).mul(FloatVector.fromArray(F, xo, xp));
        FloatVector t = byteLane(w, 1).mul(FloatVector.fromArray(F, xo, xp + L));
        s = byteLane(w, 2).fma(FloatVector.fromArray(F, xo, xp + 2 * L), s);
        t = byteLane(w, 3).fma(FloatVector.fromArray(F, xo, xp + 3 * L), t);
        return s.add(t);
    }

    /** Eight signed bytes from {@code a[off]} as floats. */
    public static FloatVector bytes(byte[] a, int off) {
        return (FloatVector) ByteVector.fromArray(B8, a, off).convertShape(VectorOperators.B2F, F, 0);
    }

    /** Eight bfloat16 values from {@code a[off]} as floats (exact: the bits become the upper half). */
    public static FloatVector bf16(short[] a, int off) {
        IntVector bits = (IntVector) ShortVector.fromArray(S8, a, off).convertShape(VectorOperators.S2I, I8, 0);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Eight fp16 values from {@code a[off]} as floats, exactly as the plain kernels' {@code Half.toFloat}
     * ({@link #finiteHalves}, subnormal halves included); a group holding ∞ or NaN (exponent 31) takes the
     * scalar conversion.
     */
    public static FloatVector fp16(short[] a, int off) {
        IntVector h = (IntVector) ShortVector.fromArray(S8, a, off).convertShape(VectorOperators.S2I, I8, 0);
        if (h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00).anyTrue()) {
            return fp16Scalar(a, off);
        }
        return finiteHalves(h);
    }

    /**
     * The halves in the low 16 bits of each lane as floats, exactly, for halves that are finite (exponent below
     * 31): the magnitude bits shifted into float position are the value times 2⁻¹¹², restored by an exact
     * multiplication; the sign bit is copied over.
     */
    public static FloatVector finiteHalves(IntVector h) {
        FloatVector f = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        return f.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** {@link #fp16} one lane at a time: the rare group holding ∞ or NaN. */
    private static FloatVector fp16Scalar(short[] a, int off) {
        float[] lanes = new float[L];
        for (int t = 0; t < L; t++) {
            lanes[t] = Half.toFloat(a[off + t]);
        }
        return FloatVector.fromArray(F, lanes, 0);
    }

    /**
     * The offset in {@link #BITS} or {@link #SIGNS} of the lanes of byte {@code part} of {@code word}:
     * {@code 8·byte}, computed as one shift and one mask.
     */
    public static int lut(int word, int part) {
        return switch (part) {
            case 0 -> (word << 3) & 0x7f8;
            case 1 -> (word >>> 5) & 0x7f8;
            case 2 -> (word >>> 13) & 0x7f8;
            default -> (word >>> 21) & 0x7f8;
        };
    }

    /**
     * Sum of the lanes, in a fixed order (that of {@link VectorMath#sum} for 8 lanes): {@code reduceLanes(ADD)} adds
     * in a different order interpreted and compiled, which made results depend on the JIT state and the row split.
     * Not through {@code VectorMath.sum} itself: other fast paths call that with 512-bit vectors, and with both
     * shapes in its type profile the JIT stopped compiling this 256-bit caller to vector code. Every block of a
     * quantised GEMV then boxed its vectors on the heap (a GPT-2-sized q8_0 decode step allocated 218 MB and ran
     * about half as fast; with the sum here, nothing).
     */
    public static float sum(FloatVector v) {
        FloatVector four = v.add(v.rearrange(HALF4));
        FloatVector two = four.add(four.rearrange(HALF2));
        return two.add(two.rearrange(HALF1)).lane(0);
    }

    private static final VectorShuffle<Float> HALF4 = VectorShuffle.fromOp(F, i -> (i + 4) % L);
    private static final VectorShuffle<Float> HALF2 = VectorShuffle.fromOp(F, i -> (i + 2) % L);
    private static final VectorShuffle<Float> HALF1 = VectorShuffle.fromOp(F, i -> (i + 1) % L);
}
