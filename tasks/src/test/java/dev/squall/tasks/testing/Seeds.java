package dev.squall.tasks.testing;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Seeds for random test inputs: fresh on every run, so repeated runs keep exploring new data, yet any
 * failure can be replayed because the seed is printed in the failure message and
 * {@code -Dsquall.seed=N} (e.g. {@code mvn -pl tasks test -Dtest=GemmTest -Dsquall.seed=N}) fixes it.
 */
public final class Seeds {
    /** System property that, when set, replaces every fresh seed. */
    public static final String PROPERTY = "squall.seed";

    private static final AtomicLong COUNTER = new AtomicLong();

    private Seeds() {
    }

    /** The seed named by {@link #PROPERTY}, or else a new one derived from {@link System#nanoTime()}. */
    public static long fresh() {
        String fixed = System.getProperty(PROPERTY);
        if (fixed != null && !fixed.isBlank()) {
            return Long.parseLong(fixed.trim());
        }
        // The counter keeps two seeds drawn within one clock tick distinct.
        return System.nanoTime() + COUNTER.getAndIncrement() * 0x9E3779B97F4A7C15L;
    }

    /** How a failure message tells the reader to replay {@code seed}. */
    public static String describe(long seed) {
        return "seed=" + seed + " (replay with -D" + PROPERTY + "=" + seed + ")";
    }
}
