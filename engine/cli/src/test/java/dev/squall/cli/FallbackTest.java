package dev.squall.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} still runs: {@code squall info} says the
 * fast paths are off, with the one-line notice, and names no vector species.
 */
class FallbackTest {
    @Test
    void withoutTheVectorModuleSquallFallsBackToPlainKernels() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.squall.cli.Main", "info")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "squall info did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("fast paths: off"), out);
        assertTrue(out.contains("CPU fast paths unavailable"), out);
        assertTrue(out.contains("vector:    none"), out);
    }
}
