package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.benchmarks.report.Report;

import java.util.function.Consumer;

/**
 * A group of side-by-side measurements that {@code squall bench} runs: it measures on one backend, then
 * prints its tables and adds its sections (tables and charts) to a report.
 */
public interface BenchSuite {
    /** Runs the measurements; {@code progress} receives one short line per step. */
    void run(Backend backend, Consumer<String> progress);

    /** The results as fixed-width text for the terminal. */
    String text();

    /** Adds the results to {@code report} as one or more sections. */
    void addTo(Report report);
}
