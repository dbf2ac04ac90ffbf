package dev.squall.cli;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.Backends;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by every command that runs a graph. */
final class RunOptions {
    /** More threads than this per core only add overhead (each is a pool thread with its own buffers). */
    static final int MAX_THREADS_PER_CORE = 8;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = Backends.JVM,
            description = "Backend: jvm (built in) or tornado (TornadoVM, under tornado-config/run) (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", paramLabel = "T", description = "Threads of the JVM backend (default: available processors).")
    Integer threads;

    @Option(names = "--profile", description = "Print the per-task profile to standard error.")
    boolean profile;

    @Option(names = "--plain", description = "JVM backend: run the plain kernels, not the CPU fast paths (to compare them).")
    boolean plain;

    /** A backend configured by these options. */
    Backend backend() {
        if (!Backends.JVM.equals(backend)) {
            if (threads != null || plain) {
                throw new IllegalArgumentException("--threads and --plain apply to the jvm backend only, not to '"
                        + backend + "'");
            }
            return Backends.create(backend);
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads != null && threads > MAX_THREADS_PER_CORE * cores) {
            throw new IllegalArgumentException("--threads must be at most " + MAX_THREADS_PER_CORE * cores + " ("
                    + MAX_THREADS_PER_CORE + " per available processor, " + cores + " here), got " + threads);
        }
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        return new JvmBackend(t, plain ? FastPaths.none() : FastPaths.standard());
    }

    /** Whether the selected backend is the built-in JVM one. */
    boolean jvm() {
        return Backends.JVM.equals(backend);
    }

    /**
     * Copies {@code out} back to the host after {@code graph}, runs it once and writes {@code out}, of
     * {@code shape}, to {@code file}: the end of every {@code op} command.
     */
    void runAndWrite(TaskGraph graph, float[] out, Path file, int... shape) {
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        runOnce(graph);
        Inputs.write(file, out, shape);
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
