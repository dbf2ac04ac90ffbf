package dev.squall.tasks.attention;

/**
 * Float64 reference of multi-head attention in the layout of the package documentation: per sequence,
 * scores {@code q·k/√d (+ mask)}, −∞ where masked, a row softmax (zeros for a query that sees no key) and
 * the probability-weighted sum of the values; plus the error scale of every score and output element.
 *
 * @param scores      {@code [tokens·heads, maxLen]} scores, −∞ where masked or past the sequence's end
 * @param scoreScale  {@code Σ_c |q_c||k_c| / √d + |mask| + |key mask|} per score: the scale of the rounding error
 *                    of a dot product and the masks added to it (a sum's error scales with its terms' magnitudes)
 * @param probs       {@code [tokens·heads, maxLen]} probabilities
 * @param out         {@code [tokens, heads·d]} outputs, token-major
 * @param outScale    {@code Σ_j p_j |v_jc|} per output element: the scale of a weighted sum's rounding error
 */
public record AttentionReference(double[] scores, double[] scoreScale, double[] probs, double[] out,
                                 double[] outScale) {

    /** Which keys a query sees, on top of {@code c}'s masks: sequence {@code b}, head {@code h}, positions {@code i, j} in it. */
    @FunctionalInterface
    public interface Visibility {
        /** Whether query {@code i} of sequence {@code b}, head {@code h}, may see key {@code j}. */
        boolean test(int b, int h, int i, int j);
    }

    /** The reference for {@code c}'s inputs. */
    public static AttentionReference of(AttentionCase c) {
        return of(c, (b, h, i, j) -> true);
    }

    /** The reference for {@code c}'s inputs with, in addition to its masks, every key that {@code visible} rejects hidden. */
    public static AttentionReference of(AttentionCase c, Visibility visible) {
        int heads = c.heads();
        int d = c.d();
        int maxLen = c.maxLen();
        int rows = c.tokens() * heads;
        double[] scores = new double[rows * maxLen];
        java.util.Arrays.fill(scores, Double.NEGATIVE_INFINITY);
        double[] scoreScale = new double[rows * maxLen];
        double[] probs = new double[rows * maxLen];
        double[] out = new double[c.outputSize()];
        double[] outScale = new double[out.length];
        double inverseSqrtD = 1 / Math.sqrt(d);
        boolean additive = (c.maskFlags() & AttentionMask.ADDITIVE) != 0;
        boolean causal = (c.maskFlags() & AttentionMask.CAUSAL) != 0;
        for (int b = 0; b < c.batch(); b++) {
            int start = c.seqStart()[b];
            int len = c.lengths()[b];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < len; i++) {
                    int row = (start + i) * heads + h;
                    int qBase = (start + i) * c.ld() + h * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < len; j++) {
                        int kBase = (start + j) * c.ld() + c.kCol() + h * d;
                        double dot = 0;
                        double absDot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += (double) c.q()[qBase + e] * c.k()[kBase + e];
                            absDot += Math.abs((double) c.q()[qBase + e] * c.k()[kBase + e]);
                        }
                        double a = additive ? c.mask()[i * maxLen + j] : 0;
                        double keyBias = c.keyBias(start + j);
                        double m = a + keyBias;
                        boolean hidden = (causal && j > i) || m == Double.NEGATIVE_INFINITY || !visible.test(b, h, i, j);
                        scores[row * maxLen + j] = hidden ? Double.NEGATIVE_INFINITY : dot * inverseSqrtD + m;
                        scoreScale[row * maxLen + j] = hidden ? 0
                                : absDot * inverseSqrtD + Math.abs(a) + Math.abs(keyBias);
                        max = Math.max(max, scores[row * maxLen + j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {
                        continue; // no visible key: probabilities and output stay zero
                    }
                    double sum = 0;
                    for (int j = 0; j < len; j++) {
                        sum += Math.exp(scores[row * maxLen + j] - max);
                    }
                    int outBase = (start + i) * heads * d + h * d;
                    for (int j = 0; j < len; j++) {
                        double p = Math.exp(scores[row * maxLen + j] - max) / sum;
                        probs[row * maxLen + j] = p;
                        int vBase = (start + j) * c.ld() + c.vCol() + h * d;
                        for (int e = 0; e < d; e++) {
                            out[outBase + e] += p * c.v()[vBase + e];
                            outScale[outBase + e] += p * Math.abs(c.v()[vBase + e]);
                        }
                    }
                }
            }
        }
        return new AttentionReference(scores, scoreScale, probs, out, outScale);
    }
}
