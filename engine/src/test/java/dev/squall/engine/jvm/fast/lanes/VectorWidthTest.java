package dev.squall.engine.jvm.fast.lanes;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorWidth#PROPERTY}: narrows the fast paths' vectors, never widens them, and names itself when wrong.
 * The GEMM and attention tests run once at the preferred width and once with the property at 256 (see the engine's
 * {@code pom.xml}), so both block shapes are checked on a 512-bit machine.
 */
class VectorWidthTest {
    private static final int PREFERRED = FloatVector.SPECIES_PREFERRED.vectorBitSize();

    @Test
    void narrowsOnly() {
        assertEquals(PREFERRED, VectorWidth.choose(null).vectorBitSize());
        assertEquals(PREFERRED, VectorWidth.choose(" ").vectorBitSize());
        assertEquals(PREFERRED, VectorWidth.choose("512").vectorBitSize());
        assertEquals(Math.min(128, PREFERRED), VectorWidth.choose("128").vectorBitSize());
        assertEquals(Math.min(256, PREFERRED), VectorWidth.choose("256").vectorBitSize());
    }

    @Test
    void followsTheWidthThisRunSets() {
        String set = System.getProperty(VectorWidth.PROPERTY);
        assertEquals(set == null ? PREFERRED : Math.min(Integer.parseInt(set), PREFERRED),
                VectorWidth.FLOAT.vectorBitSize(), "the width this test run uses");
    }

    @Test
    void refusesWhatIsNoVectorWidth() {
        for (String bad : new String[] {"64", "1024", "300", "wide", "-256"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorWidth.choose(bad));
            assertTrue(e.getMessage().contains(VectorWidth.PROPERTY) && e.getMessage().contains(bad.trim()),
                    e.getMessage());
        }
    }
}
