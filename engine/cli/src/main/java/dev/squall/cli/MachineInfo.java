package dev.squall.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One line describing this machine, printed with every benchmark so reports can be compared. */
public final class MachineInfo {
    private MachineInfo() {
    }

    /** CPU model, cores, JDK, e.g. {@code AMD EPYC 9R14, 2 cores, JDK 25.0.1}. */
    public static String describe() {
        return String.format("machine:   %s, %d cores, JDK %s, %s %s", cpuModel(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** The CPU model name from /proc/cpuinfo, or the architecture when unknown. */
    public static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
