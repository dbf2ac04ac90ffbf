package dev.squall.engine.model;

import dev.squall.tasks.activation.Activations;
import org.apache.commons.math3.special.Erf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * nanoGPT's {@code GPT.forward} in float64 plain loops, written from its definition and independently of the
 * kernels and graphs: token + position embedding, per block {@code x += attn(ln_1(x)); x += mlp(ln_2(x))} with
 * causal softmax attention, GELU, then {@code ln_f} and the logits by the head. Also gives the error scale of each
 * logit, {@code Σ_c |h_c|·|W_vc|} (the magnitude of its dot product's terms). {@link #hidden} runs on float64
 * parameters, for the training tests' finite differences.
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
        Map<String, double[]> p = doubles(w);
        int e = c.nEmbd();
        int v = c.vocabSize();
        double[] logits = new double[batch * length * v];
        double[] scale = new double[logits.length];
        double[] head = head(p);
        for (int b = 0; b < batch; b++) {
            double[][] f = hidden(c, p, tokens, b * length, length);
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

    /** The parameters of {@code w} in float64, by name. */
    public static Map<String, double[]> doubles(GptWeights w) {
        Map<String, double[]> p = new LinkedHashMap<>();
        w.tensors().forEach((k, t) -> {
            float[] f = (float[]) t.data();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            p.put(k, d);
        });
        return p;
    }

    /** The output head: {@code lm_head.weight} when untied, else the token embedding. */
    public static double[] head(Map<String, double[]> p) {
        return p.containsKey(GptWeights.LM_HEAD) ? p.get(GptWeights.LM_HEAD) : p.get(GptWeights.WTE);
    }

    /** {@code ln_f} of the last block's output for the {@code length} tokens at {@code tokens[from ..]}: {@code [length][C]}. */
    public static double[][] hidden(GptConfig c, Map<String, double[]> p, int[] tokens, int from, int length) {
        return hidden(c, p, tokens, from, length, null);
    }

    /**
     * {@link #hidden}; with {@code lambda} (a {@code prepbn} model in training mode) every norm is
     * {@code λ·LN(x) + (1 − λ)·(BN(x) + α·x)}, BN with the biased statistics of the {@code length} rows.
     */
    public static double[][] hidden(GptConfig c, Map<String, double[]> p, int[] tokens, int from, int length,
                                    Double lambda) {
        int e = c.nEmbd();
        double[][] x = new double[length][e];
        for (int t = 0; t < length; t++) {
            int id = tokens[from + t];
            for (int k = 0; k < e; k++) {
                x[t][k] = p.get(GptWeights.WTE)[id * e + k] + p.get(GptWeights.WPE)[t * e + k];
            }
        }
        for (int l = 0; l < c.nLayer(); l++) {
            double[][] a = attention(c, p, l, norm(c, p, x, GptWeights.block(l, "ln_1"), lambda));
            add(x, linear(p, GptWeights.block(l, "attn.c_proj"), a));
            double[][] h = linear(p, GptWeights.block(l, "mlp.c_fc"), norm(c, p, x, GptWeights.block(l, "ln_2"), lambda));
            for (double[] row : h) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = gelu(row[k], c.activation());
                }
            }
            add(x, linear(p, GptWeights.block(l, "mlp.c_proj"), h));
        }
        return norm(c, p, x, "transformer.ln_f", lambda);
    }

    private static double[][] norm(GptConfig c, Map<String, double[]> p, double[][] x, String prefix, Double lambda) {
        if (lambda == null) {
            return norm(c, p, x, prefix);
        }
        int e = c.nEmbd();
        double[][] ln = norm(c.withNorm(NormKind.LAYERNORM, 0, 0), p, x, prefix);
        double[] gamma = p.get(prefix + ".bn.weight");
        double[] beta = p.get(prefix + ".bn.bias");
        double alpha = p.get(prefix + ".alpha")[0];
        double[][] out = new double[x.length][e];
        for (int k = 0; k < e; k++) {
            double mean = 0;
            for (double[] row : x) {
                mean += row[k];
            }
            mean /= x.length;
            double var = 0;
            for (double[] row : x) {
                var += (row[k] - mean) * (row[k] - mean);
            }
            var /= x.length;
            for (int t = 0; t < x.length; t++) {
                double bn = (x[t][k] - mean) / Math.sqrt(var + c.eps()) * gamma[k] + beta[k] + alpha * x[t][k];
                out[t][k] = lambda * ln[t][k] + (1 - lambda) * bn;
            }
        }
        return out;
    }

    static double gelu(double x, int kind) {
        if (kind == Activations.GELU_TANH) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }
        return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
    }

    private static double[] vector(Map<String, double[]> p, String name, int size) {
        double[] a = p.get(name);
        return a != null ? a : new double[size];
    }

    private static double[][] norm(GptConfig c, Map<String, double[]> p, double[][] x, String prefix) {
        int e = c.nEmbd();
        NormKind kind = c.norm();
        if (kind == NormKind.FOLDED && !prefix.equals(GptWeights.LN_F)) {
            return x.clone();
        }
        if (kind != NormKind.LAYERNORM) {
            return repBn(c, p, x, prefix);
        }
        double[] gamma = p.get(prefix + ".weight");
        double[] beta = vector(p, prefix + ".bias", e);
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
            double inv = 1 / Math.sqrt(var + c.eps());
            for (int k = 0; k < e; k++) {
                out[t][k] = (x[t][k] - mean) * inv * gamma[k] + beta[k];
            }
        }
        return out;
    }

    /** RepBN with the running statistics: {@code γ·(x − μ)/√(σ² + ε) + β + α·x} per channel. */
    private static double[][] repBn(GptConfig c, Map<String, double[]> p, double[][] x, String prefix) {
        int e = c.nEmbd();
        double[] gamma = p.get(prefix + ".bn.weight");
        double[] beta = p.get(prefix + ".bn.bias");
        double[] mean = p.get(prefix + ".bn.running_mean");
        double[] var = p.get(prefix + ".bn.running_var");
        double alpha = p.get(prefix + ".alpha")[0];
        double[][] out = new double[x.length][e];
        for (int t = 0; t < x.length; t++) {
            for (int k = 0; k < e; k++) {
                out[t][k] = (x[t][k] - mean[k]) / Math.sqrt(var[k] + c.eps()) * gamma[k] + beta[k] + alpha * x[t][k];
            }
        }
        return out;
    }


    /** {@code x·Wᵀ + b}, W {@code [out, in]} as nanoGPT holds it. */
    private static double[][] linear(Map<String, double[]> p, String prefix, double[][] x) {
        double[] weight = p.get(prefix + ".weight");
        int in = x[0].length;
        int out = weight.length / in;
        double[] bias = vector(p, prefix + ".bias", out);
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

    private static double[][] attention(GptConfig c, Map<String, double[]> p, int layer, double[][] a) {
        int e = c.nEmbd();
        int hd = c.headDim();
        double[][] qkv = linear(p, GptWeights.block(layer, "attn.c_attn"), a);
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
