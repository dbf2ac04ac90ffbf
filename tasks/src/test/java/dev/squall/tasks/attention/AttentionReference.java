package dev.squall.tasks.attention;

/**
 * Float64 reference of multi-head attention in the layout of the package documentation: scores
 * {@code q·k/√d (+ mask)}, −∞ where masked, a row softmax (zeros for a query that sees no key) and the
 * probability-weighted sum of the values; plus the error scale of every score and output element.
 *
 * @param scores      {@code [batch·heads·n, n]} scores, −∞ where masked
 * @param scoreScale  {@code Σ_c |q_c||k_c| / √d + |mask|} per score: the scale of a dot product's rounding error
 * @param probs       {@code [batch·heads·n, n]} probabilities
 * @param out         {@code [batch·n, heads·d]} outputs, token-major
 * @param outScale    {@code Σ_j p_j |v_jc|} per output element: the scale of a weighted sum's rounding error
 */
public record AttentionReference(double[] scores, double[] scoreScale, double[] probs, double[] out,
                                 double[] outScale) {

    /** The reference for {@code c}'s inputs. */
    public static AttentionReference of(AttentionCase c) {
        return compute(c.q(), c.k(), c.v(), c.mask(), c.batch(), c.heads(), c.n(), c.d(), c.ld(), c.qCol(),
                c.kCol(), c.vCol(), c.maskFlags());
    }

    /** The reference for arrays in the kernels' layout, with the kernels' parameters. */
    public static AttentionReference compute(float[] q, float[] k, float[] v, float[] mask, int batch, int heads,
                                             int n, int d, int ld, int qCol, int kCol, int vCol, int maskFlags) {
        int rows = batch * heads * n;
        double[] scores = new double[rows * n];
        double[] scoreScale = new double[rows * n];
        double[] probs = new double[rows * n];
        double[] out = new double[batch * n * heads * d];
        double[] outScale = new double[out.length];
        double inverseSqrtD = 1 / Math.sqrt(d);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    int row = (b * heads + h) * n + i;
                    int qBase = (b * n + i) * ld + qCol + h * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        int kBase = (b * n + j) * ld + kCol + h * d;
                        double dot = 0;
                        double absDot = 0;
                        for (int c = 0; c < d; c++) {
                            dot += (double) q[qBase + c] * k[kBase + c];
                            absDot += Math.abs((double) q[qBase + c] * k[kBase + c]);
                        }
                        boolean additive = (maskFlags & AttentionMask.ADDITIVE) != 0;
                        double m = additive ? mask[i * n + j] : 0;
                        boolean hidden = ((maskFlags & AttentionMask.CAUSAL) != 0 && j > i) || m == Double.NEGATIVE_INFINITY;
                        scores[row * n + j] = hidden ? Double.NEGATIVE_INFINITY : dot * inverseSqrtD + m;
                        scoreScale[row * n + j] = hidden ? 0 : absDot * inverseSqrtD + Math.abs(m);
                        max = Math.max(max, scores[row * n + j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {
                        continue; // no visible key: probabilities and output stay zero
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        sum += Math.exp(scores[row * n + j] - max);
                    }
                    int outBase = (b * n + i) * heads * d + h * d;
                    for (int j = 0; j < n; j++) {
                        double p = Math.exp(scores[row * n + j] - max) / sum;
                        probs[row * n + j] = p;
                        int vBase = (b * n + j) * ld + vCol + h * d;
                        for (int c = 0; c < d; c++) {
                            out[outBase + c] += p * v[vBase + c];
                            outScale[outBase + c] += p * Math.abs(v[vBase + c]);
                        }
                    }
                }
            }
        }
        return new AttentionReference(scores, scoreScale, probs, out, outScale);
    }
}
