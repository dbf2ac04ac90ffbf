package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.benchmarks.report.Report;

/**
 * A group of side-by-side measurements that {@code squall bench} runs: it measures on one backend, then
 * prints its tables and adds its sections (tables and charts) to a report.
 */
public interface BenchSuite {
    /** Runs the measurements, telling {@code progress} of each configuration and run. */
    void run(Backend backend, Progress progress);

    /**
     * An estimate of the whole suite's work, in floating-point operations of one pass over every contender
     * and configuration: only the ratios between configurations matter (they make the time-left estimate of
     * a progress bar); {@link Progress#begin} receives each configuration's share.
     */
    double work();

    /** The results as fixed-width text for the terminal. */
    String text();

    /** Adds the results to {@code report} as one or more sections. */
    void addTo(Report report);
}
