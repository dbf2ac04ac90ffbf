package dev.squall.engine.jvm;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataFlow;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;

import java.util.List;

/**
 * The built-in backend: runs each task's kernel on the JVM, splitting its parallel rows over a persistent
 * pool of threads (default: one per available processor). Results are identical for any thread count.
 */
public final class JvmBackend implements Backend {
    private final WorkerPool pool;

    /** A backend with one thread per available processor. */
    public JvmBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend with {@code threads} threads (the caller's included); must be at least 1. */
    public JvmBackend(int threads) {
        this.pool = new WorkerPool(threads);
    }

    /** Number of threads that run a task. */
    public int threads() {
        return pool.threads();
    }

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public String description() {
        return "jvm (" + threads() + " thread" + (threads() == 1 ? "" : "s") + ")";
    }

    @Override
    public ExecutionPlan plan(List<TaskGraph> graphs) {
        DataFlow.check(graphs);
        return new JvmPlan(name(), List.copyOf(graphs), pool);
    }

    @Override
    public void close() {
        pool.close();
    }
}
