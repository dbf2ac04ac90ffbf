package dev.squall.engine.jvm.fast.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species of the fast paths that follow it (the attention tiles): the machine's preferred one, or a
 * narrower one named by the system property {@value #PROPERTY} ({@code 128}, {@code 256} or {@code 512}; a width
 * above the preferred one is not used), so that tests run the 256-bit code on a 512-bit machine. A constant: C2
 * folds every branch on it, and the kernels keep their vectors in registers (a species passed as a value would
 * box them).
 */
public final class VectorWidth {
    /** System property naming the vector width in bits. */
    public static final String PROPERTY = "squall.vector.bits";
    /** The species. */
    public static final VectorSpecies<Float> FLOATS = choose(System.getProperty(PROPERTY));

    private VectorWidth() {
    }

    /** The species for {@code bits} (null: the preferred one), never wider than the preferred one. */
    static VectorSpecies<Float> choose(String bits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits == null || bits.isBlank()) {
            return preferred;
        }
        int wanted;
        try {
            wanted = Integer.parseInt(bits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be 128, 256 or 512, got '" + bits + "'");
        }
        if (wanted != 128 && wanted != 256 && wanted != 512) {
            throw new IllegalArgumentException(PROPERTY + " must be 128, 256 or 512, got " + wanted);
        }
        if (wanted >= preferred.vectorBitSize()) {
            return preferred;
        }
        return FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(wanted));
    }
}
