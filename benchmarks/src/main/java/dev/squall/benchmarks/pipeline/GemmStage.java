package dev.squall.benchmarks.pipeline;

import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.gemm.Gemm;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A benchmark stage: {@code layers} layers of Linear(width → width, no bias) + tanh-GELU on {@code rows} rows
 * per micro-batch, run by the plain GEMM and activation kernels on the calling thread; the last stage's loss is
 * the mean square of its output. Every stage of a split does the same work per layer, so a pipeline of them is
 * balanced as the theory assumes.
 */
public final class GemmStage implements PipelineStage {
    private static final int TILE = 64;

    private final int width;
    private final int rows;
    private final boolean first;
    private final boolean last;
    private final float[][] weights;
    private final float[][] grads;
    private final Map<Integer, float[][]> saved = new HashMap<>();
    private final float[] input;
    private long savedBytes;
    private int microBatches;

    /** Layers of {@code width × width} on {@code rows} rows; {@code first}/{@code last} mark the pipeline's ends. */
    public GemmStage(int layers, int width, int rows, boolean first, boolean last, long seed) {
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
        int bands = (rows + TILE - 1) / TILE;
        for (int l = 0; l < weights.length; l++) {
            float[] z = new float[rows * width];
            Gemm.tiledMatmulTransB(x, weights[l], null, z, rows, width, width, 0, Activations.IDENTITY, TILE, TILE,
                    TILE, 0, bands);
            keep[2 * l] = x;
            keep[2 * l + 1] = z;
            x = new float[z.length];
            Activations.activation(z, x, width, Activations.GELU_TANH, 0, rows);
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
        int bands = (rows + TILE - 1) / TILE;
        int widthBands = (width + TILE - 1) / TILE;
        for (int l = weights.length - 1; l >= 0; l--) {
            float[] dz = new float[rows * width];
            Activations.activationBackward(keep[2 * l + 1], g, dz, width, Activations.GELU_TANH, 0, rows);
            Gemm.tiledMatmulTransA(dz, keep[2 * l], grads[l], rows, width, width, TILE, TILE, TILE, 0, widthBands);
            float[] dx = new float[rows * width];
            Gemm.tiledMatmul(dz, weights[l], null, dx, rows, width, width, 0, Activations.IDENTITY, TILE, TILE, TILE,
                    0, bands);
            g = dx;
        }
        return g;
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
