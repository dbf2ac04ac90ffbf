package dev.squall.engine.jvm.fast.precision;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.precision.MixedPrecision;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast paths of the rounding kernels of {@link MixedPrecision}, bit for bit the plain kernels' results (which
 * build the conversions from exact float steps for TornadoVM and cost several branches per element): bf16 by the
 * integer form of round-to-nearest-even on the float's bits in int lanes (add {@code 0x7fff} plus the lowest kept
 * bit, clear the low 16 bits; NaN lanes set to the canonical NaN); fp16 through {@link Float#floatToFloat16} and
 * {@link Float#float16ToFloat}, which the JIT compiles to the F16C conversion instructions.
 */
@FastPathFor(MixedPrecision.class)
public final class MixedPrecisionVector implements FastPath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int NAN_BITS = Float.floatToRawIntBits(Float.NaN);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public MixedPrecisionVector() {
    }

    /** As {@link MixedPrecision#roundBf16}. */
    public static void roundBf16(float[] x, float[] y, int length, int chunk, int rowOffset, int rowCount) {
        int i0 = rowOffset * chunk;
        int i1 = (int) Math.min((long) (rowOffset + rowCount) * chunk, length);
        int i = i0;
        for (; i + F.length() <= i1; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            IntVector bits = v.reinterpretAsInts();
            IntVector lowestKept = bits.lanewise(VectorOperators.LSHR, 16).and(1);
            IntVector rounded = bits.add(0x7fff).add(lowestKept).and(0xffff0000);
            VectorMask<Integer> nan = v.test(VectorOperators.IS_NAN).cast(I);
            rounded.blend(NAN_BITS, nan).reinterpretAsFloats().intoArray(y, i);
        }
        for (; i < i1; i++) {
            int bits = Float.floatToRawIntBits(x[i]);
            y[i] = Float.isNaN(x[i]) ? Float.NaN : Float.intBitsToFloat((bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000);
        }
    }

    /** As {@link MixedPrecision#roundFp16}. */
    public static void roundFp16(float[] x, float[] y, int length, int chunk, int rowOffset, int rowCount) {
        int i1 = (int) Math.min((long) (rowOffset + rowCount) * chunk, length);
        for (int i = rowOffset * chunk; i < i1; i++) {
            float v = x[i];
            y[i] = v != v ? Float.NaN : Float.float16ToFloat(Float.floatToFloat16(v));
        }
    }
}
