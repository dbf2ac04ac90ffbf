package dev.squall.benchmarks.suite;

/**
 * What a running suite tells its caller: each measured configuration (a sequence length, a shape, a
 * pattern) is announced with {@link #begin}, its runs with {@link #step}, and it ends with {@link #done} and a
 * one-line summary. {@code squall bench} turns this into a progress bar on a terminal and into the summary
 * lines only otherwise; a lambda receiving the step texts is enough for tests.
 */
@FunctionalInterface
public interface Progress {
    /** Ignores everything. */
    Progress NONE = detail -> { };

    /** A run or other step of the current configuration, e.g. {@code "block N=512 fused warm-up 3"}. */
    void step(String detail);

    /**
     * {@link #step(String)} with the share of the current configuration done before it (0 to 1), for the
     * progress bar.
     */
    default void step(String detail, double fraction) {
        step(detail);
    }

    /**
     * A measured configuration starts; {@code work} is its share of its suite's {@link BenchSuite#work()}
     * (the same units), for the estimate of the time left.
     */
    default void begin(String configuration, double work) {
    }

    /** The current configuration is measured: one line on its results. */
    default void done(String summary) {
    }

    /** Something the user should know even without a terminal, e.g. a peer that was skipped and why. */
    default void notice(String line) {
        step(line);
    }
}
