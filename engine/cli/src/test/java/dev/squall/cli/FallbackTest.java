package dev.squall.cli;

import dev.squall.engine.jvm.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} still runs: {@code squall info} says the
 * fast paths are off, with the one-line notice, and names no vector species.
 */
class FallbackTest {
    @Test
    void withoutTheVectorModuleSquallFallsBackToPlainKernels() throws IOException, InterruptedException {
        String out = ChildJvm.run(Main.class.getName(), "info");
        assertTrue(out.contains("fast paths: off"), out);
        assertTrue(out.contains("CPU fast paths unavailable"), out);
        assertTrue(out.contains("vector:    none"), out);
    }
}
