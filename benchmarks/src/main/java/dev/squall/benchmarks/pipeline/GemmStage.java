package dev.squall.benchmarks.pipeline;

import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A benchmark stage: {@code layers} layers of Linear(width → width, no bias) + tanh-GELU on {@code rows} rows
 * per micro-batch, run by the plain GEMM and activation kernels on {@code threads} threads (rows split as the JVM
 * backend splits them, so the bits do not depend on the count); the last stage's loss is
 * the mean square of its output. Every stage of a split does the same work per layer, so a pipeline of them is
 * balanced as the theory assumes.
 */
public final class GemmStage implements PipelineStage, AutoCloseable {
    private static final int TILE = 64;
    /** Bands of 16 rows, so that a stage's 64-row micro-batch splits across threads. */
    private static final int BAND = 16;

    private final int width;
    private final int rows;
    private final boolean first;
    private final boolean last;
    private final float[][] weights;
    private final float[][] grads;
    private final Map<Integer, float[][]> saved = new HashMap<>();
    private final float[] input;
    private final ExecutorService pool;
    private final int threads;
    private long savedBytes;
    private int microBatches;

    /** Layers of {@code width × width} on {@code rows} rows; {@code first}/{@code last} mark the pipeline's ends. */
    public GemmStage(int layers, int width, int rows, boolean first, boolean last, long seed, int threads) {
        this.threads = threads;
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "gemm-stage-worker");
            t.setDaemon(true);
            return t;
        }) : null;
        this.width = width;
        this.rows = rows;
        this.first = first;
        this.last = last;
        SplittableRandom random = new SplittableRandom(seed);
        weights = new float[layers][width * width];
        grads = new float[layers][width * width];
        float scale = (float) (1 / Math.sqrt(width));
        for (float[] w : weights) {
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian() * scale;
            }
        }
        input = new float[rows * width];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
    }

    @Override
    public void beginStep(long step, int microBatches) {
        this.microBatches = microBatches;
        for (float[] g : grads) {
            Arrays.fill(g, 0f);
        }
    }

    @Override
    public float[] forward(int microBatch, float[] in) {
        float[] x = first ? input : in;
        float[][] keep = new float[2 * weights.length + 1][];
        int bands = (rows + BAND - 1) / BAND;
        for (int l = 0; l < weights.length; l++) {
            float[] z = new float[rows * width];
            float[] layerInput = x;
            float[] w = weights[l];
            parallel(bands, (o, n) -> Gemm.tiledMatmulTransB(layerInput, w, null, z, rows, width, width, 0,
                    Activations.IDENTITY, BAND, TILE, TILE, o, n));
            keep[2 * l] = x;
            keep[2 * l + 1] = z;
            x = new float[z.length];
            float[] out = x;
            parallel(rows, (o, n) -> Activations.activation(z, out, width, Activations.GELU_TANH, o, n));
        }
        keep[2 * weights.length] = x;
        saved.put(microBatch, keep);
        for (float[] a : keep) {
            savedBytes += 4L * a.length;
        }
        if (!last) {
            return x;
        }
        double sum = 0;
        for (float v : x) {
            sum += v * v;
        }
        return new float[] {(float) (sum / x.length)};
    }

    @Override
    public float[] backward(int microBatch, float[] outputGradient) {
        float[][] keep = saved.remove(microBatch);
        for (float[] a : keep) {
            savedBytes -= 4L * a.length;
        }
        float[] g = outputGradient;
        if (last) {
            float[] y = keep[2 * weights.length];
            g = new float[y.length];
            float scale = 2f / (y.length * (float) microBatches);
            for (int i = 0; i < y.length; i++) {
                g[i] = y[i] * scale;
            }
        }
        int bands = (rows + BAND - 1) / BAND;
        int widthBands = (width + TILE - 1) / TILE;
        for (int l = weights.length - 1; l >= 0; l--) {
            float[] dz = new float[rows * width];
            float[] z = keep[2 * l + 1];
            float[] x = keep[2 * l];
            float[] dy = g;
            float[] w = weights[l];
            float[] dw = grads[l];
            parallel(rows, (o, n) -> Activations.activationBackward(z, dy, dz, width, Activations.GELU_TANH, o, n));
            parallel(widthBands, (o, n) -> Gemm.tiledMatmulTransA(dz, x, dw, rows, width, width, TILE, TILE, TILE, o,
                    n));
            float[] dx = new float[rows * width];
            parallel(bands, (o, n) -> Gemm.tiledMatmul(dz, w, null, dx, rows, width, width, 0, Activations.IDENTITY,
                    BAND, TILE, TILE, o, n));
            g = dx;
        }
        return g;
    }

    /** A kernel over rows {@code [offset, offset + count)}. */
    private interface Rows {
        void run(int offset, int count);
    }

    /** Splits {@code count} rows into {@code threads} contiguous parts, the calling thread taking the first. */
    private void parallel(int count, Rows kernel) {
        if (pool == null || count < 2) {
            kernel.run(0, count);
            return;
        }
        int parts = Math.min(threads, count);
        List<Future<?>> futures = new ArrayList<>();
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) count * p / parts);
            int to = (int) ((long) count * (p + 1) / parts);
            futures.add(pool.submit(() -> kernel.run(from, to - from)));
        }
        kernel.run(0, (int) ((long) count / parts));
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Override
    public void step() {
        for (int l = 0; l < weights.length; l++) {
            for (int i = 0; i < weights[l].length; i++) {
                weights[l][i] -= 1e-3f * grads[l][i];
            }
        }
    }

    @Override
    public long savedBytes() {
        return savedBytes;
    }

    @Override
    public float[] parameters() {
        float[] all = new float[weights.length * width * width];
        for (int l = 0; l < weights.length; l++) {
            System.arraycopy(weights[l], 0, all, l * width * width, width * width);
        }
        return all;
    }
}
