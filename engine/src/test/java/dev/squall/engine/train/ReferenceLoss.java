package dev.squall.engine.train;

import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.activation.Activations;
import org.apache.commons.math3.special.Erf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * nanoGPT's training loss in float64 plain loops, written from its definition and independently of the kernels and
 * graphs (embedding, pre-LN blocks with causal softmax attention and GELU, ln_f, the head, mean cross-entropy over
 * targets that are not −1), and its gradient by central finite differences of that float64 loss.
 */
final class ReferenceLoss {
    private final GptConfig c;
    private final Map<String, double[]> p = new LinkedHashMap<>();

    ReferenceLoss(GptWeights w) {
        this.c = w.config();
        w.tensors().forEach((k, t) -> {
            float[] f = (float[]) t.data();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            p.put(k, d);
        });
    }

    /** The parameters, by name (perturbed in place by {@link #gradient}). */
    Map<String, double[]> params() {
        return p;
    }

    /** Central differences {@code (L(p+h) − L(p−h)) / 2h} for every element of parameter {@code name}. */
    double[] gradient(String name, int[] batch, int b, int t, double h) {
        double[] a = p.get(name);
        double[] g = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double keep = a[i];
            a[i] = keep + h;
            double up = loss(batch, b, t);
            a[i] = keep - h;
            double down = loss(batch, b, t);
            a[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /** Mean cross-entropy of {@code batch} ({@code [b, t+1]}). */
    double loss(int[] batch, int b, int t) {
        int e = c.nEmbd();
        int v = c.vocabSize();
        double sum = 0;
        int count = 0;
        for (int s = 0; s < b; s++) {
            double[][] x = new double[t][e];
            for (int j = 0; j < t; j++) {
                int id = batch[s * (t + 1) + j];
                for (int k = 0; k < e; k++) {
                    x[j][k] = p.get(GptWeights.WTE)[id * e + k] + p.get(GptWeights.WPE)[j * e + k];
                }
            }
            for (int l = 0; l < c.nLayer(); l++) {
                double[][] a = attention(l, norm(x, GptWeights.block(l, "ln_1")));
                add(x, linear(GptWeights.block(l, "attn.c_proj"), a));
                double[][] hdn = linear(GptWeights.block(l, "mlp.c_fc"), norm(x, GptWeights.block(l, "ln_2")));
                for (double[] row : hdn) {
                    for (int k = 0; k < row.length; k++) {
                        row[k] = gelu(row[k]);
                    }
                }
                add(x, linear(GptWeights.block(l, "mlp.c_proj"), hdn));
            }
            double[][] f = norm(x, "transformer.ln_f");
            double[] head = p.containsKey(GptWeights.LM_HEAD) ? p.get(GptWeights.LM_HEAD) : p.get(GptWeights.WTE);
            for (int j = 0; j < t; j++) {
                int target = batch[s * (t + 1) + j + 1];
                if (target == -1) {
                    continue;
                }
                double[] logits = new double[v];
                double max = Double.NEGATIVE_INFINITY;
                for (int o = 0; o < v; o++) {
                    for (int k = 0; k < e; k++) {
                        logits[o] += f[j][k] * head[o * e + k];
                    }
                    max = Math.max(max, logits[o]);
                }
                double z = 0;
                for (double l : logits) {
                    z += Math.exp(l - max);
                }
                sum += max + Math.log(z) - logits[target];
                count++;
            }
        }
        return sum / count;
    }

    private double gelu(double x) {
        if (c.activation() == Activations.GELU_TANH) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }
        return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
    }

    private double[] vector(String name, int n) {
        double[] a = p.get(name);
        return a != null ? a : new double[n];
    }

    private double[][] norm(double[][] x, String prefix) {
        int e = c.nEmbd();
        double[] gamma = p.get(prefix + ".weight");
        double[] beta = vector(prefix + ".bias", e);
        double[][] out = new double[x.length][e];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v / e;
            }
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / e;
            }
            double inv = 1 / Math.sqrt(var + c.eps());
            for (int k = 0; k < e; k++) {
                out[t][k] = (x[t][k] - mean) * inv * gamma[k] + beta[k];
            }
        }
        return out;
    }

    private double[][] linear(String prefix, double[][] x) {
        double[] w = p.get(prefix + ".weight");
        int in = x[0].length;
        int out = w.length / in;
        double[] bias = vector(prefix + ".bias", out);
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double acc = bias[o];
                for (int k = 0; k < in; k++) {
                    acc += x[t][k] * w[o * in + k];
                }
                y[t][o] = acc;
            }
        }
        return y;
    }

    private double[][] attention(int layer, double[][] a) {
        int e = c.nEmbd();
        int hd = c.headDim();
        double[][] qkv = linear(GptWeights.block(layer, "attn.c_attn"), a);
        int n = a.length;
        double[][] y = new double[n][e];
        for (int h = 0; h < c.nHead(); h++) {
            for (int i = 0; i < n; i++) {
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    for (int k = 0; k < hd; k++) {
                        s[j] += qkv[i][h * hd + k] * qkv[j][e + h * hd + k];
                    }
                    s[j] /= Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int k = 0; k < hd; k++) {
                    for (int j = 0; j <= i; j++) {
                        y[i][h * hd + k] += s[j] / z * qkv[j][2 * e + h * hd + k];
                    }
                }
            }
        }
        return y;
    }

    private static void add(double[][] x, double[][] y) {
        for (int t = 0; t < x.length; t++) {
            for (int k = 0; k < x[t].length; k++) {
                x[t][k] += y[t][k];
            }
        }
    }
}
