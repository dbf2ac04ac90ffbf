package dev.squall.engine.jvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A second JVM on the test's class path, started without {@code --add-modules jdk.incubator.vector}. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** Runs {@code mainClass} with {@code args}; returns its output (standard output and error), exit status 0. */
    public static String run(String mainClass, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), mainClass + " did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
