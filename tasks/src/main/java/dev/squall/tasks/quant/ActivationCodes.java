package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Activations saved for backward stored as 8-, 4- or 2-bit codes, as ActNN (Chen et al., 2021) does: each row of
 * {@code cols} floats is cut into groups of {@code G} columns (the last one may be shorter; {@code G >= cols}
 * is one group per row), and each group is quantised affinely between its own minimum and maximum:
 * <pre>
 *   lo = min x,  s = (max x − lo) / (2^b − 1),  v = (x − lo)·(1/s),  q = min(2^b − 1, ⌊v + u⌋),  x̂ = lo + s·q
 * </pre>
 * with {@code u = 1/2} for 8 bits (round to nearest) and {@code u} uniform in {@code [0, 1)} for 4 and 2 bits
 * (stochastic rounding, so that {@code E[x̂] = x}: ActNN's unbiased gradient estimate). Affine rather than
 * symmetric because GELU outputs and LayerNorm outputs are skewed: a symmetric absmax scale would waste up to a
 * bit of the code on values that never occur. A group with {@code s < 2⁻¹²⁶} stores every value as {@code lo}
 * (the error is then below {@code 255·2⁻¹²⁶}); this keeps {@code 1/s} finite, so every code is computed from
 * finite values and a device computes the same codes as the JVM.
 *
 * <p>Why round to nearest at 8 bits: the step is {@code range/255}, so the bias of rounding to nearest (at most
 * half a step) is far below the noise of a minibatch gradient, while its error is half that of stochastic
 * rounding in the worst case and needs no random numbers. At 4 and 2 bits the step is a large fraction of the
 * range and a biased rounding would bias every gradient computed from the tensor; there the expectation matters.
 *
 * <p>The random {@code u} comes from a counter-based generator: a stateless hash ({@link #uniform}) of the seed
 * {@code seed[0]} and the element's index {@code row·cols + c}, so codes depend on neither the thread split nor
 * the backend and a run with the same seed repeats bit for bit. The seed travels in an array so one compiled
 * graph serves every step (TornadoVM bakes scalar arguments into its kernels); a training step passes a seed
 * derived from (run seed, step, tensor).
 *
 * <p><b>Layout.</b> Codes are unsigned, {@code 8/b} per byte, packed along the row from the low bits: code
 * {@code c} of a row is bits {@code [(c mod (8/b))·b, … + b)} of byte {@code c / (8/b)}. Each row takes
 * {@link #rowBytes} bytes (its last byte is zero-filled past {@code cols}), so rows of odd length pack without
 * padding the tensor. {@code G} must be a multiple of {@code 8/b} (or at least {@code cols}), so that no byte
 * holds codes of two groups. {@code scales} and {@code mins} hold one float each per group, row-major
 * ({@link #groups} per row). Storage: {@code b + 64/G} bits per element.
 *
 * <p><b>Error.</b> 8 bits: {@code |x − x̂| <= s/2 + 2⁻²⁰·(s·255 + max(|lo|, |max x|))} (half a step plus the
 * fp32 rounding of {@code v} and of {@code lo + s·q}). 4 and 2 bits: {@code |x − x̂| <= s·(1 + 2⁻¹⁶)} plus the
 * same fp32 term (one step), and {@code E[x̂ − x] = 0} up to the 2⁻²⁴ resolution of {@code u} and the fp32
 * rounding above. A group holding a NaN or ±∞ gets a non-finite {@code lo} or {@code s}, so every value of that
 * group unpacks non-finite (its codes are unspecified and may differ between backends): an overflow in the
 * forward pass stays visible to the loss scaler.
 */
public final class ActivationCodes {
    /** Below this scale the group is stored as its minimum (keeps {@code 1/s} finite). */
    private static final float MIN_SCALE = 0x1p-126f;

    private ActivationCodes() {
    }

    /** Bytes one row of {@code cols} codes of {@code bits} bits takes: {@code ceil(cols·bits / 8)}. */
    public static int rowBytes(int cols, int bits) {
        int perByte = 8 / bits;
        return (cols + perByte - 1) / perByte;
    }

    /** Groups per row: {@code ceil(cols / groupSize)}. */
    public static int groups(int cols, int groupSize) {
        return (cols + groupSize - 1) / groupSize;
    }

    /**
     * Quantises rows of {@code cols} floats of {@code x} into {@code codes} ({@link #rowBytes} per row),
     * {@code scales} and {@code mins} ({@link #groups} per row) as the class describes; {@code bits} is 8, 4 or
     * 2; {@code seed[0]} seeds the stochastic rounding (unused at 8 bits).
     */
    public static void pack(float[] x, @Out byte[] codes, @Out float[] scales, @Out float[] mins, int[] seed, int cols,
                            int groupSize, int bits, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int perByte = 8 / bits;
            int levels = (1 << bits) - 1;
            int groups = groups(cols, groupSize);
            int rowBytes = rowBytes(cols, bits);
            int key = seedKey(seed[0]);
            for (int g = 0; g < groups; g++) {
                int c0 = g * groupSize;
                int c1 = Math.min(c0 + groupSize, cols);
                float lo = x[row * cols + c0];
                float hi = lo;
                for (int c = c0 + 1; c < c1; c++) {
                    lo = Math.min(lo, x[row * cols + c]);
                    hi = Math.max(hi, x[row * cols + c]);
                }
                float s = (hi - lo) / levels;
                float inv = s >= MIN_SCALE ? 1f / s : 0f;
                scales[row * groups + g] = s;
                mins[row * groups + g] = lo;
                for (int b = c0 / perByte; b < (c1 + perByte - 1) / perByte; b++) {
                    int packed = 0;
                    for (int t = 0; t < perByte; t++) {
                        int c = b * perByte + t;
                        int index = row * cols + Math.min(c, c1 - 1);
                        float u = bits == 8 ? 0.5f : uniform(key, index);
                        int q = (int) Math.min((x[index] - lo) * inv + u, (float) levels);
                        packed |= (c < c1 ? q : 0) << (t * bits);
                    }
                    codes[row * rowBytes + b] = (byte) packed;
                }
            }
        }
    }

    /** Rebuilds rows of {@code cols} floats from {@link #pack}'s arrays: {@code x[row, c] = lo + s·q}. */
    public static void unpack(byte[] codes, float[] scales, float[] mins, @Out float[] x, int cols, int groupSize,
                              int bits, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int groups = groups(cols, groupSize);
            int base = row * rowBytes(cols, bits);
            int log2PerByte = bits == 8 ? 0 : bits == 4 ? 1 : 2; // shifts and masks: no division per element
            for (int g = 0; g < groups; g++) {
                float lo = mins[row * groups + g];
                float s = scales[row * groups + g];
                for (int c = g * groupSize; c < Math.min(cols, (g + 1) * groupSize); c++) {
                    int byteValue = unsigned(codes[base + (c >> log2PerByte)]);
                    int q = (byteValue >> ((c & ((1 << log2PerByte) - 1)) * bits)) & ((1 << bits) - 1);
                    x[row * cols + c] = lo + s * q;
                }
            }
        }
    }

    /**
     * The byte as an unsigned value, {@code b & 0xff}, by way of a float: TornadoVM 5.2 keeps the {@code char}
     * type of a loaded byte through integer arithmetic and drops the mask (a code of 200 came back as −56);
     * a conversion to float and back is emitted right.
     */
    public static int unsigned(byte b) {
        return ((int) (b + 256f)) & 0xff;
    }

    /** The per-tensor part of the generator: a hash of the seed. */
    public static int seedKey(int seed) {
        return mix(seed ^ 0x5bd1e995);
    }

    /**
     * A uniform float in {@code [0, 1)} with 24 random bits: {@link #mix} of {@code key ^ index}, its upper 24
     * bits times 2⁻²⁴. {@code key} is {@link #seedKey}.
     */
    public static float uniform(int key, int index) {
        return ((mix(key ^ index) >> 8) & 0xffffff) * 0x1p-24f;
    }

    /**
     * Chris Wellons' "lowbias32" integer hash (a bijection of 32-bit ints with near-ideal avalanche). Logical
     * right shifts written as arithmetic shifts and masks, which every backend compiles the same way.
     */
    public static int mix(int v) {
        int h = v;
        h ^= (h >> 16) & 0xffff;
        h *= 0x7feb352d;
        h ^= (h >> 15) & 0x1ffff;
        h *= 0x846ca68b;
        h ^= (h >> 16) & 0xffff;
        return h;
    }
}
