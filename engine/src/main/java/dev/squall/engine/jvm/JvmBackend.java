package dev.squall.engine.jvm;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataFlow;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;

import java.util.List;

/**
 * The built-in backend: runs each task's kernel on the JVM, splitting its parallel rows over a persistent
 * pool of threads (default: one per available processor), with a CPU fast path instead of the plain
 * kernel where {@link FastPaths} has one. Results are identical for any thread count. Arrays a plan transfers
 * {@code FIRST_EXECUTION} and never writes are its constants ({@link PlanConstants}): fast paths may keep copies
 * of them in their own layout (packed GEMM weights), made on the first execution, as a device backend copies
 * them to the device once; after changing such an array in place, build a new plan.
 */
public final class JvmBackend implements Backend {
    private final WorkerPool pool;
    private final FastPaths fastPaths;

    /** A backend with one thread per available processor and the standard fast paths. */
    public JvmBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend with {@code threads} threads (the caller's included), at least 1, and the standard fast paths. */
    public JvmBackend(int threads) {
        this(threads, FastPaths.standard());
    }

    /** A backend with {@code threads} threads running {@code fastPaths} where they exist, plain kernels elsewhere. */
    public JvmBackend(int threads, FastPaths fastPaths) {
        this.pool = new WorkerPool(threads);
        this.fastPaths = fastPaths;
    }

    /** The fast paths this backend runs. */
    public FastPaths fastPaths() {
        return fastPaths;
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
        return "jvm (" + threads() + " thread" + (threads() == 1 ? "" : "s") + ", fast paths " + fastPaths.status()
                + (fastPaths.coversGemm() ? ", GEMM " + FastPaths.gemmKernel(false) : "") + ")";
    }

    @Override
    public ExecutionPlan plan(List<TaskGraph> graphs) {
        DataFlow.check(graphs);
        return new JvmPlan(name(), List.copyOf(graphs), pool, fastPaths);
    }

    @Override
    public void close() {
        pool.close();
    }
}
