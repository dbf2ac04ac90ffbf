package dev.squall.engine.jvm.fast.precision;

import dev.squall.engine.jvm.fast.BitExactFastPath;
import dev.squall.tasks.precision.MixedPrecision;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import jdk.incubator.vector.FloatVector;

/**
 * {@link MixedPrecisionVector} against the plain {@link MixedPrecision} rounding kernels, bit for bit, on values
 * across the whole float range (subnormals, halfway cases, overflow to ∞ in fp16 and at the top of bf16, signed
 * zeros, infinities, NaNs with payloads), lengths below, at and above a vector and chunks that split vectors, with
 * random row splits and poisoned outputs; on the preferred vectors and at 256 bits in a child JVM.
 */
class MixedPrecisionVectorTest implements BitExactFastPath {
    @Override
    public String checkAll(RandomArrays rnd) {
        for (int length : new int[] {1, 7, 16, 97, 4099}) {
            for (int chunk : new int[] {1, 5, 64}) {
                float[] x = values(rnd, length);
                for (boolean bf16 : new boolean[] {true, false}) {
                    Subject subject = Subject.of("MixedPrecisionVector.round" + (bf16 ? "Bf16" : "Fp16"),
                            "length=" + length + " chunk=" + chunk, rnd.seed());
                    float[] plain = Poison.array(length);
                    int rows = (length + chunk - 1) / chunk;
                    if (bf16) {
                        MixedPrecision.roundBf16(x, plain, length, chunk, 0, rows);
                    } else {
                        MixedPrecision.roundFp16(x, plain, length, chunk, 0, rows);
                    }
                    float[] fast = new float[length];
                    RowSlices.run(subject, rnd, rows, (off, cnt) -> {
                        if (bf16) {
                            MixedPrecisionVector.roundBf16(x, fast, length, chunk, off, cnt);
                        } else {
                            MixedPrecisionVector.roundFp16(x, fast, length, chunk, off, cnt);
                        }
                    }, fast);
                    BitExact.assertIdentical(subject, plain, fast);
                }
            }
        }
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit: ok (seed " + rnd.seed() + ")";
    }

    /** Random bit patterns of every exponent, halfway cases of both formats and the specials. */
    private static float[] values(RandomArrays rnd, int length) {
        float[] specials = {0f, -0f, Float.NaN, Float.intBitsToFloat(0xff812345), Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, 65504f, 65519.996f, 65520f, Float.MIN_VALUE,
            0x1p-24f, 0x1.8p-25f, 1.00390625f, 1.01171875f, 1f + 0x1p-11f, 1f + 0x3p-11f};
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = i < specials.length && rnd.chance(0.7) ? specials[i]
                    : Float.intBitsToFloat(rnd.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE - 1));
        }
        return x;
    }
}
