package dev.squall.engine.cli;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.JvmBackend;
import picocli.CommandLine.Option;

/** Options shared by every command that runs a graph. */
final class RunOptions {
    @Option(names = "--threads", paramLabel = "T", description = "Threads of the JVM backend (default: available processors).")
    Integer threads;

    @Option(names = "--profile", description = "Print the per-task profile to standard error.")
    boolean profile;

    /** A backend configured by these options. */
    Backend backend() {
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        return threads == null ? new JvmBackend() : new JvmBackend(threads);
    }

    /** Runs {@code graph} once and prints its profile when asked. */
    void runOnce(TaskGraph graph) {
        try (Backend backend = backend()) {
            Profile p = backend.plan(graph).execute();
            if (profile) {
                System.err.print(p.table());
            }
        }
    }
}
