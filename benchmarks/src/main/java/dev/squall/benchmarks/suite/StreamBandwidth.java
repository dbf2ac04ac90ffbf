package dev.squall.benchmarks.suite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machine's read bandwidth from memory: {@code threads} threads each compare their own contiguous parts of
 * two equal arrays, together far larger than any cache, with {@link Arrays#mismatch} (a JDK intrinsic in full
 * vector width, so the loop waits on memory; a plain summing loop is not vectorised by the JIT and measured
 * 7 GB/s even in cache); the best of a few passes counts. This is what a decoder's GEMVs can reach at most
 * when they stream their weights. The arrays are kept, so that a bench can measure again in every round (on a
 * shared machine the figure moves with the load).
 */
public final class StreamBandwidth implements AutoCloseable {
    private final long[] a;
    private final long[] b;
    private final int threads;
    private final ExecutorService pool;

    /** A probe reading {@code mib} MiB with {@code threads} threads. */
    public StreamBandwidth(int mib, int threads) {
        if (mib < 1 || threads < 1) {
            throw new IllegalArgumentException("bandwidth array MiB and threads must be >= 1");
        }
        a = new long[Math.toIntExact(mib * (1L << 20) / 2 / Long.BYTES)];
        b = new long[a.length];
        for (int i = 0; i < a.length; i += 512) {
            a[i] = i;
            b[i] = i;
        }
        this.threads = threads;
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "squall-bandwidth");
            t.setDaemon(true);
            return t;
        });
    }

    /** Bytes per second, best of {@code passes} passes after an untimed one. */
    public double measure(int passes) {
        double best = 0;
        try {
            for (int pass = -1; pass < passes; pass++) {
                long start = System.nanoTime();
                List<Future<Integer>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int from = (int) ((long) a.length * t / threads);
                    int to = (int) ((long) a.length * (t + 1) / threads);
                    parts.add(pool.submit(() -> Arrays.mismatch(a, from, to, b, from, to)));
                }
                for (Future<Integer> f : parts) {
                    if (f.get() != -1) {
                        throw new IllegalStateException("bandwidth probe arrays differ");
                    }
                }
                long nanos = System.nanoTime() - start;
                if (pass >= 0) {
                    best = Math.max(best, 16.0 * a.length / (nanos * 1e-9));
                }
            }
            return best;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** {@link #measure} once with a probe of its own. */
    public static double measure(int mib, int threads, int passes) {
        try (StreamBandwidth probe = new StreamBandwidth(mib, threads)) {
            return probe.measure(passes);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
