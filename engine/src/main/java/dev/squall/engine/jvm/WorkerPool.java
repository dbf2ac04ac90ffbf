package dev.squall.engine.jvm;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A persistent pool that splits a parallel range {@code [0, rows)} into contiguous chunks. The calling
 * thread works too, so {@code threads} threads run in all; chunks are handed out dynamically, which keeps
 * uneven rows (causal attention) balanced. Which thread runs a chunk never changes what it computes, so
 * results do not depend on the thread count.
 *
 * <p>The helpers wait for the next range by spinning for {@link #SPIN_NANOS} before they park, and so does the
 * caller for the helpers' last chunks: the tasks of a graph follow each other within microseconds, and a
 * wake-up through the scheduler costs tens of microseconds (measured with 20 empty tasks per graph on 2 threads:
 * 11–15 µs per task with an executor and a latch; see {@code docs/performance.md}). Ranges from several
 * calling threads run one after another.
 */
final class WorkerPool implements AutoCloseable {
    /**
     * Chunks per thread: two still even out uneven rows (causal attention) while keeping chunks large, which
     * the fast paths need: a GEMM fast path packs the panels of B once per chunk, so with four chunks per
     * thread a 512-row product spent a noticeable share of its time packing (measured: 2 threads,
     * 512×3072·3072×768, best of 15 runs 101–107 GFLOP/s with 4 chunks, 122–135 with 2).
     */
    private static final int CHUNKS_PER_THREAD = 2;
    /** How long an idle thread spins before it parks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    /** The work of one task on rows {@code [offset, offset + count)}. */
    interface RangeBody {
        void run(int offset, int count);
    }

    /** One call of {@link #parallelFor}: its chunks, claimed and done. */
    private static final class Job {
        final int rows;
        final int chunk;
        final int chunks;
        final RangeBody body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread caller = Thread.currentThread();

        Job(int rows, int chunk, int chunks, RangeBody body) {
            this.rows = rows;
            this.chunk = chunk;
            this.chunks = chunks;
            this.body = body;
        }

        /** Runs chunks until none is left (after a failure, counts the rest done without running them). */
        void drain() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                if (failure.get() == null) {
                    int offset = c * chunk;
                    try {
                        body.run(offset, Math.min(chunk, rows - offset));
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
                if (done.incrementAndGet() == chunks) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    private final int threads;
    private final Thread[] helpers;
    private final ReentrantLock calls = new ReentrantLock();
    /** The latest job, published before {@link #generation} moves on. */
    private volatile Job job;
    private volatile long generation;
    private volatile boolean closed;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            Thread t = new Thread(this::help, "squall-worker");
            t.setDaemon(true);
            helpers[i] = t;
            t.start();
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, rows)} and returns when every chunk is done, rethrowing any failure. */
    void parallelFor(int rows, RangeBody body) {
        if (helpers.length == 0 || rows <= 1) {
            if (rows > 0) {
                body.run(0, rows);
            }
            return;
        }
        int chunk = Math.max(1, ceilDiv(rows, threads * CHUNKS_PER_THREAD));
        int chunks = ceilDiv(rows, chunk);
        calls.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the backend is closed");
            }
            Job j = new Job(rows, chunk, chunks, body);
            job = j;
            generation++;
            for (Thread h : helpers) {
                LockSupport.unpark(h);
            }
            j.drain();
            awaitChunks(j);
            rethrow(j.failure.get());
        } finally {
            calls.unlock();
        }
    }

    /**
     * Waits until every chunk of {@code j} is done. A helper that has not yet woken up when the caller has run
     * every chunk itself does not hold it up (on a loaded machine it may be waiting for a core).
     */
    private static void awaitChunks(Job j) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (j.done.get() < j.chunks) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(j, TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    /** A helper's loop: wait for a new generation, run chunks of the latest job while there are any. */
    private void help() {
        long seen = 0;
        while (!closed) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && !closed) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            job.drain();
        }
    }

    private static void rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread h : helpers) {
            LockSupport.unpark(h);
        }
    }
}
