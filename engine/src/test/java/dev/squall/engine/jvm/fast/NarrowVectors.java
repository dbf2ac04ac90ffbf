package dev.squall.engine.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a fast-path check in a child JVM limited to 256-bit vectors ({@code -XX:MaxVectorSize=32}), so that a
 * machine with 512-bit vectors also tests the species an AVX2 machine gets. The check is a {@code main} that
 * prints {@code "<bits>-bit: ok"} when it passes.
 */
public final class NarrowVectors {
    private NarrowVectors() {
    }

    /** Runs {@code main} at 256 bits and fails unless it exits 0 and prints {@code 256-bit: ok}. */
    public static void assertPassesAt256Bits(Class<?> main) throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32", "-cp",
                System.getProperty("java.class.path"), main.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), main.getSimpleName() + ": child JVM did not finish");
        assertTrue(p.exitValue() == 0 && out.contains("256-bit: ok"), out);
    }
}
