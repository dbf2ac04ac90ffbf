package dev.squall.engine.bench;

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
 * when they stream their weights.
 */
public final class StreamBandwidth {
    private StreamBandwidth() {
    }

    /**
     * Bytes per second of reading {@code mib} MiB with {@code threads} threads, best of {@code passes} passes
     * (after one untimed pass that also touches every page).
     */
    public static double measure(int mib, int threads, int passes) {
        if (mib < 1 || threads < 1 || passes < 1) {
            throw new IllegalArgumentException("bandwidth array MiB, threads and passes must be >= 1");
        }
        long[] a = new long[Math.toIntExact(mib * (1L << 20) / 2 / Long.BYTES)];
        long[] b = new long[a.length];
        for (int i = 0; i < a.length; i += 512) {
            a[i] = i;
            b[i] = i;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "squall-bandwidth");
            t.setDaemon(true);
            return t;
        });
        try {
            double best = 0;
            long sink = 0;
            for (int pass = -1; pass < passes; pass++) {
                long start = System.nanoTime();
                List<Future<Integer>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int from = (int) ((long) a.length * t / threads);
                    int to = (int) ((long) a.length * (t + 1) / threads);
                    parts.add(pool.submit(() -> Arrays.mismatch(a, from, to, b, from, to)));
                }
                for (Future<Integer> f : parts) {
                    sink += f.get();
                }
                long nanos = System.nanoTime() - start;
                if (pass >= 0) {
                    best = Math.max(best, 16.0 * a.length / (nanos * 1e-9));
                }
            }
            if (sink == 42) {
                System.err.print(""); // keep the results alive
            }
            return best;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
