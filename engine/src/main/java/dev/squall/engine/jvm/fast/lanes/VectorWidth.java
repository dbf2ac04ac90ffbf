package dev.squall.engine.jvm.fast.lanes;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float vector of the fast paths that follow it (the GEMM micro-kernels and the attention tiles): the
 * machine's preferred one, or at most as wide as the system property {@value #PROPERTY} says (in bits: 128, 256 or
 * 512, e.g. {@code -Dsquall.vector.bits=256}, to time or test the 256-bit code on a 512-bit machine; a wider value
 * than the machine's changes nothing). A value that is not one of these is refused when the class loads, naming the
 * property. A constant: C2 folds every branch on it, and the kernels keep their vectors in registers (a species
 * passed as a value would box them).
 */
public final class VectorWidth {
    /** The system property that narrows {@link #FLOAT}. */
    public static final String PROPERTY = "squall.vector.bits";
    /** The float species of the fast paths. */
    public static final VectorSpecies<Float> FLOAT = choose(System.getProperty(PROPERTY));

    private VectorWidth() {
    }

    /** The preferred float species, or the one of {@code bits} bits when given and narrower. */
    static VectorSpecies<Float> choose(String bits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits == null || bits.isBlank()) {
            return preferred;
        }
        int b;
        try {
            b = Integer.parseInt(bits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be a vector width in bits (128, 256, 512), got '"
                    + bits + "'");
        }
        if (b != 128 && b != 256 && b != 512) {
            throw new IllegalArgumentException(PROPERTY + " must be 128, 256 or 512, got " + b);
        }
        return b >= preferred.vectorBitSize() ? preferred : VectorSpecies.of(float.class, VectorShape.forBitSize(b));
    }
}
