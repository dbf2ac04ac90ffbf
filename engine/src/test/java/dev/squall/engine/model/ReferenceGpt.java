package dev.squall.engine.model;

import dev.squall.tasks.activation.Activations;
import org.apache.commons.math3.special.Erf;

/**
 * nanoGPT's {@code GPT.forward} in float64 plain loops, written from its definition and independently of the
 * kernels and graphs: token + position embedding, per block {@code x += attn(ln_1(x)); x += mlp(ln_2(x))} with
 * causal softmax attention, GELU, then {@code ln_f} and the logits by the head. Also gives the error scale of each
 * logit, {@code Σ_c |h_c|·|W_vc|} (the magnitude of its dot product's terms).
 */
public final class ReferenceGpt {
    /**
     * @param logits {@code [B, T, V]}
     * @param scale  the error scale of each logit
     */
    public record Result(double[] logits, double[] scale) {
    }

    private ReferenceGpt() {
    }

    public static Result forward(GptWeights w, int[] tokens, int batch, int length) {
        GptConfig c = w.config();
        int e = c.nEmbd();
        int v = c.vocabSize();
        double[] logits = new double[batch * length * v];
        double[] scale = new double[logits.length];
        for (int b = 0; b < batch; b++) {
            double[][] x = new double[length][e];
            for (int t = 0; t < length; t++) {
                int id = tokens[b * length + t];
                for (int k = 0; k < e; k++) {
                    x[t][k] = (double) w.wte()[id * e + k] + w.wpe()[t * e + k];
                }
            }
            for (int l = 0; l < c.nLayer(); l++) {
                double[][] a = attention(w, l, norm(w, x, GptWeights.block(l, "ln_1")));
                add(x, linear(w, GptWeights.block(l, "attn.c_proj"), a));
                double[][] h = linear(w, GptWeights.block(l, "mlp.c_fc"), norm(w, x, GptWeights.block(l, "ln_2")));
                for (double[] row : h) {
                    for (int k = 0; k < row.length; k++) {
                        row[k] = gelu(row[k], c.activation());
                    }
                }
                add(x, linear(w, GptWeights.block(l, "mlp.c_proj"), h));
            }
            double[][] f = norm(w, x, "transformer.ln_f");
            float[] head = w.head();
            for (int t = 0; t < length; t++) {
                for (int o = 0; o < v; o++) {
                    double acc = 0;
                    double abs = 0;
                    for (int k = 0; k < e; k++) {
                        acc += f[t][k] * head[o * e + k];
                        abs += Math.abs(f[t][k] * head[o * e + k]);
                    }
                    logits[(b * length + t) * v + o] = acc;
                    scale[(b * length + t) * v + o] = abs;
                }
            }
        }
        return new Result(logits, scale);
    }

    static double gelu(double x, int kind) {
        if (kind == Activations.GELU_TANH) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }
        return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
    }

    private static double[][] norm(GptWeights w, double[][] x, String prefix) {
        int e = w.config().nEmbd();
        NormKind kind = w.config().norm();
        if (kind == NormKind.FOLDED && !prefix.equals(GptWeights.LN_F)) {
            return x.clone();
        }
        if (kind != NormKind.LAYERNORM) {
            return repBn(w, x, prefix);
        }
        float[] gamma = w.tensor(prefix + ".weight");
        float[] beta = w.vector(prefix + ".bias", e);
        double[][] out = new double[x.length][e];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= e;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= e;
            double inv = 1 / Math.sqrt(var + w.config().eps());
            for (int k = 0; k < e; k++) {
                out[t][k] = (x[t][k] - mean) * inv * gamma[k] + beta[k];
            }
        }
        return out;
    }

    /** RepBN with the running statistics: {@code γ·(x − μ)/√(σ² + ε) + β + α·x} per channel. */
    private static double[][] repBn(GptWeights w, double[][] x, String prefix) {
        int e = w.config().nEmbd();
        float[] gamma = w.tensor(prefix + ".bn.weight");
        float[] beta = w.tensor(prefix + ".bn.bias");
        float[] mean = w.tensor(prefix + ".bn.running_mean");
        float[] var = w.tensor(prefix + ".bn.running_var");
        double alpha = w.tensor(prefix + ".alpha")[0];
        double[][] out = new double[x.length][e];
        for (int t = 0; t < x.length; t++) {
            for (int k = 0; k < e; k++) {
                out[t][k] = (x[t][k] - mean[k]) / Math.sqrt((double) var[k] + w.config().eps()) * gamma[k] + beta[k]
                        + alpha * x[t][k];
            }
        }
        return out;
    }

    /** {@code x·Wᵀ + b}, W {@code [out, in]} as nanoGPT holds it. */
    private static double[][] linear(GptWeights w, String prefix, double[][] x) {
        float[] weight = w.tensor(prefix + ".weight");
        int in = x[0].length;
        int out = weight.length / in;
        float[] bias = w.vector(prefix + ".bias", out);
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double acc = bias[o];
                for (int k = 0; k < in; k++) {
                    acc += x[t][k] * weight[o * in + k];
                }
                y[t][o] = acc;
            }
        }
        return y;
    }

    private static double[][] attention(GptWeights w, int layer, double[][] a) {
        GptConfig c = w.config();
        int e = c.nEmbd();
        int hd = c.headDim();
        double[][] qkv = linear(w, GptWeights.block(layer, "attn.c_attn"), a);
        int n = a.length;
        double[][] y = new double[n][e];
        for (int h = 0; h < c.nHead(); h++) {
            for (int i = 0; i < n; i++) {
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int k = 0; k < hd; k++) {
                        dot += qkv[i][h * hd + k] * qkv[j][e + h * hd + k];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int k = 0; k < hd; k++) {
                    double acc = 0;
                    for (int j = 0; j <= i; j++) {
                        acc += s[j] / sum * qkv[j][2 * e + h * hd + k];
                    }
                    y[i][h * hd + k] = acc;
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
