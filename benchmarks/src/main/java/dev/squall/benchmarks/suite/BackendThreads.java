package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.jvm.JvmBackend;

/** The thread count a peer should use to match a backend: the JVM backend's, else the machine's cores. */
final class BackendThreads {
    private BackendThreads() {
    }

    static int of(Backend backend) {
        Backend runner = backend instanceof ProfilingBackend p ? p.delegate() : backend;
        return runner instanceof JvmBackend jvm ? jvm.threads() : Runtime.getRuntime().availableProcessors();
    }
}
