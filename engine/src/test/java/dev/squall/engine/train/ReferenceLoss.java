package dev.squall.engine.train;

import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.ReferenceGpt;

import java.util.Map;

/**
 * nanoGPT's training loss in float64: the float64 forward of {@link ReferenceGpt} (written from nanoGPT's definition,
 * independently of the kernels and graphs) and the mean cross-entropy over targets that are not −1; its gradient by
 * central finite differences of that float64 loss.
 */
final class ReferenceLoss {
    private final GptConfig c;
    private final Map<String, double[]> p;

    ReferenceLoss(GptWeights w) {
        this.c = w.config();
        this.p = ReferenceGpt.doubles(w);
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
        double[] head = ReferenceGpt.head(p);
        double sum = 0;
        int count = 0;
        for (int s = 0; s < b; s++) {
            double[][] f = ReferenceGpt.hidden(c, p, batch, s * (t + 1), t);
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
}
