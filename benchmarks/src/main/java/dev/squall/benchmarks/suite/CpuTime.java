package dev.squall.benchmarks.suite;

import java.lang.management.ManagementFactory;

/**
 * CPU time of this process, all threads together: on a machine shared with other work, wall time depends
 * on that work while CPU time mostly does not, so benchmarks report both.
 */
final class CpuTime {
    private CpuTime() {
    }

    /** Nanoseconds of CPU this process has used, or −1 where the JVM does not tell. */
    static long nanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }
}
