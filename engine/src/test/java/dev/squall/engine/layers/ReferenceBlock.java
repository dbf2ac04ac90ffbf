package dev.squall.engine.layers;

import org.apache.commons.math3.special.Erf;

/**
 * PyTorch's {@code nn.TransformerEncoderLayer} forward pass (batch_first, eval) in float64 plain loops,
 * written independently of the kernels: the reference the block graphs are tested against.
 */
public final class ReferenceBlock {
    private ReferenceBlock() {
    }

    public static double[] forward(BlockWeights w, BlockConfig c, float[] xf, int batch, int n) {
        int d = c.dModel();
        double[] x = toDouble(xf);
        double[] attnOut;
        double[] r1;
        double[] y;
        if (c.normFirst()) {
            attnOut = selfAttention(w, c, layerNorm(x, w.norm1Gamma(), w.norm1Beta(), d, c.eps()), batch, n);
            r1 = add(x, attnOut);
            y = add(r1, feedForward(w, c, layerNorm(r1, w.norm2Gamma(), w.norm2Beta(), d, c.eps())));
        } else {
            attnOut = selfAttention(w, c, x, batch, n);
            r1 = layerNorm(add(x, attnOut), w.norm1Gamma(), w.norm1Beta(), d, c.eps());
            y = layerNorm(add(r1, feedForward(w, c, r1)), w.norm2Gamma(), w.norm2Beta(), d, c.eps());
        }
        return y;
    }

    /** {@code x·Wᵀ + b} with W given transposed ({@code [in, out]}). */
    static double[] linear(double[] x, Linear l) {
        int rows = x.length / l.in();
        double[] y = new double[rows * l.out()];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < l.out(); o++) {
                double acc = l.bias()[o];
                for (int i = 0; i < l.in(); i++) {
                    acc += x[r * l.in() + i] * l.weightT()[i * l.out() + o];
                }
                y[r * l.out() + o] = acc;
            }
        }
        return y;
    }

    static double[] selfAttention(BlockWeights w, BlockConfig c, double[] x, int batch, int n) {
        int d = c.dModel();
        int hd = c.headDim();
        double[] qkv = linear(x, w.inProj());
        double[] out = new double[batch * n * d];
        double scale = 1.0 / Math.sqrt(hd);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < c.heads(); h++) {
                for (int i = 0; i < n; i++) {
                    double[] s = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        if (c.causal() && j > i) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += qkv[(b * n + i) * 3 * d + h * hd + e] * qkv[(b * n + j) * 3 * d + d + h * hd + e];
                        }
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int e = 0; e < hd; e++) {
                        double acc = 0;
                        for (int j = 0; j < n; j++) {
                            acc += s[j] / sum * qkv[(b * n + j) * 3 * d + 2 * d + h * hd + e];
                        }
                        out[(b * n + i) * d + h * hd + e] = acc;
                    }
                }
            }
        }
        return linear(out, w.outProj());
    }

    static double[] feedForward(BlockWeights w, BlockConfig c, double[] x) {
        double[] h = linear(x, w.ffn1());
        for (int i = 0; i < h.length; i++) {
            h[i] = c.activation() == BlockConfig.Activation.RELU ? Math.max(0, h[i])
                    : 0.5 * h[i] * Erf.erfc(-h[i] / Math.sqrt(2));
        }
        return linear(h, w.ffn2());
    }

    static double[] layerNorm(double[] x, float[] gamma, float[] beta, int d, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / d; r++) {
            double mean = 0;
            for (int c = 0; c < d; c++) {
                mean += x[r * d + c];
            }
            mean /= d;
            double var = 0;
            for (int c = 0; c < d; c++) {
                var += (x[r * d + c] - mean) * (x[r * d + c] - mean);
            }
            var /= d;
            for (int c = 0; c < d; c++) {
                y[r * d + c] = (x[r * d + c] - mean) / Math.sqrt(var + eps) * gamma[c] + beta[c];
            }
        }
        return y;
    }

    static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }
}
