package dev.squall.engine.jvm;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A persistent pool that splits a parallel range {@code [0, rows)} into contiguous chunks. The calling
 * thread works too, so {@code threads} threads run in all; chunks are handed out dynamically, which keeps
 * uneven rows (causal attention) balanced. Which thread runs a chunk never changes what it computes, so
 * results do not depend on the thread count.
 */
final class WorkerPool implements AutoCloseable {
    /**
     * Chunks per thread: two still even out uneven rows (causal attention) while keeping chunks large, which
     * the fast paths need: a GEMM fast path packs the panels of B once per chunk, so with four chunks per
     * thread a 512-row product spent a noticeable share of its time packing (measured: 2 threads,
     * 512×3072·3072×768, best of 15 runs 101–107 GFLOP/s with 4 chunks, 122–135 with 2).
     */
    private static final int CHUNKS_PER_THREAD = 2;

    /** The work of one task on rows {@code [offset, offset + count)}. */
    interface RangeBody {
        void run(int offset, int count);
    }

    private final int threads;
    private final ExecutorService helpers;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.helpers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "squall-worker");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, rows)} and returns when every chunk is done, rethrowing any failure. */
    void parallelFor(int rows, RangeBody body) {
        if (helpers == null || rows <= 1) {
            if (rows > 0) {
                body.run(0, rows);
            }
            return;
        }
        int chunk = Math.max(1, ceilDiv(rows, threads * CHUNKS_PER_THREAD));
        int chunks = ceilDiv(rows, chunk);
        int helpersUsed = Math.min(threads, chunks) - 1;
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(helpersUsed);
        Runnable worker = () -> drain(rows, chunk, chunks, next, failure, body);
        for (int i = 0; i < helpersUsed; i++) {
            helpers.execute(() -> {
                try {
                    worker.run();
                } finally {
                    done.countDown();
                }
            });
        }
        worker.run();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for workers", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        }
    }

    private static void drain(int rows, int chunk, int chunks, AtomicInteger next, AtomicReference<Throwable> failure,
                              RangeBody body) {
        for (int c = next.getAndIncrement(); c < chunks && failure.get() == null; c = next.getAndIncrement()) {
            int offset = c * chunk;
            try {
                body.run(offset, Math.min(chunk, rows - offset));
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
