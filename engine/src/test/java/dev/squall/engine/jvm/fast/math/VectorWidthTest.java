package dev.squall.engine.jvm.fast.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorWidth}: the preferred species unless {@value VectorWidth#PROPERTY} names a narrower width; the
 * tests of the attention tiles run once at the preferred width and once with the property at 256 (see the
 * engine's {@code pom.xml}), so both block shapes are checked on a 512-bit machine.
 */
class VectorWidthTest {
    @Test
    void followsThePropertyButNeverWidensThePreferredSpecies() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        assertEquals(preferred, VectorWidth.choose(null).vectorBitSize());
        assertEquals(preferred, VectorWidth.choose(" ").vectorBitSize());
        assertEquals(Math.min(128, preferred), VectorWidth.choose("128").vectorBitSize());
        assertEquals(Math.min(256, preferred), VectorWidth.choose("256").vectorBitSize());
        assertEquals(preferred, VectorWidth.choose("512").vectorBitSize());
        String set = System.getProperty(VectorWidth.PROPERTY);
        assertEquals(set == null ? preferred : Math.min(Integer.parseInt(set), preferred),
                VectorWidth.FLOATS.vectorBitSize(), "the width this test run uses");
    }

    @Test
    void refusesOtherWidthsByName() {
        for (String bad : new String[] {"64", "1024", "wide"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorWidth.choose(bad));
            assertTrue(e.getMessage().contains(VectorWidth.PROPERTY), e.getMessage());
        }
    }
}
