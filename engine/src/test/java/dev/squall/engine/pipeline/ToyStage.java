package dev.squall.engine.pipeline;

import java.util.HashMap;
import java.util.Map;

/** Layers {@code [first, first + count)} of a {@link ToyMlp} as a pipeline stage (plain loops, SGD). */
public final class ToyStage implements PipelineStage {
    private static final float GELU_C = (float) Math.sqrt(2 / Math.PI);

    private final ToyMlp model;
    private final int count;
    private final boolean first;
    private final boolean last;
    private final float[][] weights;
    private final float[][] grads;
    private final Map<Integer, float[][]> saved = new HashMap<>();
    private long savedBytes;
    private long step;
    private int microBatches;

    ToyStage(ToyMlp model, int firstLayer, int count, boolean first, boolean last) {
        this.model = model;
        this.count = count;
        this.first = first;
        this.last = last;
        this.weights = new float[count][];
        this.grads = new float[count][];
        for (int l = 0; l < count; l++) {
            weights[l] = model.initialWeights(firstLayer + l);
            grads[l] = new float[weights[l].length];
        }
    }

    @Override
    public void beginStep(long step, int microBatches) {
        this.step = step;
        this.microBatches = microBatches;
        for (float[] g : grads) {
            java.util.Arrays.fill(g, 0f);
        }
    }

    @Override
    public float[] forward(int microBatch, float[] input) {
        int d = model.width();
        int rows = model.rows();
        float[] x = first ? model.input(step, microBatch) : input;
        // per layer: its input and its pre-activation; the last stage also keeps its output.
        float[][] keep = new float[2 * count + 1][];
        for (int l = 0; l < count; l++) {
            float[] w = weights[l];
            float[] z = new float[rows * d];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < d; o++) {
                    float acc = w[d * d + o];
                    for (int i = 0; i < d; i++) {
                        acc += x[r * d + i] * w[o * d + i];
                    }
                    z[r * d + o] = acc;
                }
            }
            keep[2 * l] = x;
            keep[2 * l + 1] = z;
            x = new float[z.length];
            for (int k = 0; k < z.length; k++) {
                x[k] = gelu(z[k]);
            }
        }
        keep[2 * count] = x;
        saved.put(microBatch, keep);
        for (float[] a : keep) {
            savedBytes += 4L * a.length;
        }
        if (!last) {
            return x;
        }
        float[] t = model.target(step, microBatch);
        float loss = 0f;
        for (int k = 0; k < x.length; k++) {
            float e = x[k] - t[k];
            loss += e * e;
        }
        return new float[] {loss / x.length};
    }

    @Override
    public float[] backward(int microBatch, float[] outputGradient) {
        int d = model.width();
        int rows = model.rows();
        float[][] keep = saved.remove(microBatch);
        for (float[] a : keep) {
            savedBytes -= 4L * a.length;
        }
        float[] g = outputGradient;
        if (last) {
            float[] y = keep[2 * count];
            float[] t = model.target(step, microBatch);
            g = new float[y.length];
            float scale = 2f / (y.length * (float) microBatches);
            for (int k = 0; k < y.length; k++) {
                g[k] = (y[k] - t[k]) * scale;
            }
        }
        for (int l = count - 1; l >= 0; l--) {
            float[] x = keep[2 * l];
            float[] z = keep[2 * l + 1];
            float[] w = weights[l];
            float[] dz = new float[z.length];
            for (int k = 0; k < z.length; k++) {
                dz[k] = g[k] * geluGrad(z[k]);
            }
            // this micro-batch's gradient, then added to the buffer: micro-batches accumulate in call order.
            float[] mine = new float[w.length];
            for (int o = 0; o < d; o++) {
                for (int r = 0; r < rows; r++) {
                    float dzo = dz[r * d + o];
                    for (int i = 0; i < d; i++) {
                        mine[o * d + i] += dzo * x[r * d + i];
                    }
                    mine[d * d + o] += dzo;
                }
            }
            float[] acc = grads[l];
            for (int k = 0; k < acc.length; k++) {
                acc[k] += mine[k];
            }
            float[] gx = new float[x.length];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < d; i++) {
                    float s = 0f;
                    for (int o = 0; o < d; o++) {
                        s += dz[r * d + o] * w[o * d + i];
                    }
                    gx[r * d + i] = s;
                }
            }
            g = gx;
        }
        return g;
    }

    /** With clipping: the squared norm of each layer's gradient, in layer order. */
    @Override
    public float[] share() {
        if (model.clip() <= 0) {
            return null;
        }
        float[] norms = new float[count];
        for (int l = 0; l < count; l++) {
            for (float g : grads[l]) {
                norms[l] += g * g;
            }
        }
        return norms;
    }

    /** With clipping: the global norm from every stage's layers, summed in model order, scales the gradients. */
    @Override
    public void shared(float[][] shares) {
        if (model.clip() <= 0) {
            return;
        }
        float total = 0f;
        for (float[] stageNorms : shares) {
            for (float n : stageNorms) {
                total += n;
            }
        }
        float norm = (float) Math.sqrt(total);
        if (norm > model.clip()) {
            float scale = model.clip() / norm;
            for (float[] g : grads) {
                for (int k = 0; k < g.length; k++) {
                    g[k] *= scale;
                }
            }
        }
    }

    @Override
    public void step() {
        for (int l = 0; l < count; l++) {
            for (int k = 0; k < weights[l].length; k++) {
                weights[l][k] -= model.learningRate() * grads[l][k];
            }
        }
    }

    @Override
    public long savedBytes() {
        return savedBytes;
    }

    @Override
    public float[] parameters() {
        return LocalPipeline.concat(weights);
    }

    /** The accumulated gradients, flattened like {@link #parameters()}. */
    public float[] gradients() {
        return LocalPipeline.concat(grads);
    }

    private static float gelu(float z) {
        float u = GELU_C * (z + 0.044715f * z * z * z);
        return 0.5f * z * (1f + (float) StrictMath.tanh(u));
    }

    private static float geluGrad(float z) {
        float u = GELU_C * (z + 0.044715f * z * z * z);
        float t = (float) StrictMath.tanh(u);
        float du = GELU_C * (1f + 3f * 0.044715f * z * z);
        return 0.5f * (1f + t) + 0.5f * z * (1f - t * t) * du;
    }
}
