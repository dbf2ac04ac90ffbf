package dev.squall.tasks.attention;

/**
 * Float64 gradients of multi-head attention for an {@link AttentionCase} and an output gradient {@code dOut}
 * ({@code [tokens, heads·d]}), from the float64 probabilities of {@link AttentionReference}:
 * {@code dV = Pᵀ·dO}, {@code dP = dO·Vᵀ}, {@code dS = P∘(dP − rowsum(P∘dP))}, {@code dQ = dS·K/√d},
 * {@code dK = dSᵀ·Q/√d}; plus each query's log-sum-exp and {@code D = rowsum(dO∘O)}, and the error scale of every
 * element (see {@link #of}). The tests check the gradients against central differences of {@link #output}, a
 * float64 forward written here for that purpose.
 *
 * @param dq         {@code [tokens, heads·d]}
 * @param dk         {@code [tokens, heads·d]}
 * @param dv         {@code [tokens, heads·d]}
 * @param dqScale    error scale per element of {@code dq}
 * @param dkScale    error scale per element of {@code dk}
 * @param dvScale    error scale per element of {@code dv}
 * @param lse        {@code [tokens, heads]} log-sum-exp of each query's scaled, masked scores
 * @param lseScale   error scale of {@code lse}: {@code Σ_j p_j·σ_j + |lse| + 1}
 * @param delta      {@code [tokens, heads]} {@code rowsum(dO∘O)}
 * @param deltaScale {@code Σ_c |dO_c|·Σ_j p_j|v_jc|}
 */
public record AttentionGradReference(double[] dq, double[] dk, double[] dv, double[] dqScale, double[] dkScale,
                                     double[] dvScale, double[] lse, double[] lseScale, double[] delta,
                                     double[] deltaScale) {

    /**
     * The gradients for {@code c} and {@code dOut}, with error scales built from the scale {@code σ_ij} of each
     * score ({@link AttentionReference#scoreScale}): a probability is off by about
     * {@code pErr = p·(1 + σ + |lse|)} roundings (its exponent is a score less a maximum or a log-sum-exp, each
     * rounded relative to its terms), {@code dP_ij} by {@code Σ_c |dO_ic||v_jc|} roundings, {@code D_i} by
     * {@code Σ_j (p·Σ_c|dO||v| + pErr·|dP|)}, {@code dS} by {@code pErr·(|dP| + |D|) + p·(Σ|dO||v| + that of D)};
     * each gradient's scale is its sum of products with those scales in place of the factors.
     */
    public static AttentionGradReference of(AttentionCase c, float[] dOut) {
        AttentionReference fwd = AttentionReference.of(c);
        int heads = c.heads();
        int d = c.d();
        int n = c.maxLen();
        int rows = c.queryRows();
        double scale = 1 / Math.sqrt(d);
        double[] q = toDouble(c.q());
        double[] k = toDouble(c.k());
        double[] v = toDouble(c.v());
        double[] dq = new double[c.outputSize()];
        double[] dk = new double[c.outputSize()];
        double[] dv = new double[c.outputSize()];
        double[] lse = new double[rows];
        double[] lseScale = new double[rows];
        double[] delta = new double[rows];
        double[] deltaScale = new double[rows];
        double[] dqScale = new double[c.outputSize()];
        double[] dkScale = new double[c.outputSize()];
        double[] dvScale = new double[c.outputSize()];
        for (int b = 0; b < c.batch(); b++) {
            int start = c.seqStart()[b];
            int end = c.seqStart()[b + 1];
            for (int h = 0; h < heads; h++) {
                for (int i = start; i < end; i++) {
                    int row = i * heads + h;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = start; j < end; j++) {
                        max = Math.max(max, fwd.scores()[row * n + j - start]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {
                        lse[row] = max; // the query sees no key: zero output, probabilities and gradients
                        continue;
                    }
                    double sum = 0;
                    double spread = 0;
                    for (int j = start; j < end; j++) {
                        sum += Math.exp(fwd.scores()[row * n + j - start] - max);
                        spread += fwd.probs()[row * n + j - start] * fwd.scoreScale()[row * n + j - start];
                    }
                    lse[row] = max + Math.log(sum);
                    lseScale[row] = spread + Math.abs(lse[row]) + 1;
                    double dSum = 0;
                    double dAbs = 0;
                    double[] pErr = new double[end - start];
                    double[] dp = new double[end - start];
                    double[] dpAbs = new double[end - start];
                    for (int j = start; j < end; j++) {
                        double p = fwd.probs()[row * n + j - start];
                        pErr[j - start] = p * (1 + fwd.scoreScale()[row * n + j - start] + Math.abs(lse[row]));
                        for (int e = 0; e < d; e++) {
                            double o = dOut[row * d + e];
                            dp[j - start] += o * v[j * c.ld() + c.vCol() + h * d + e];
                            dpAbs[j - start] += Math.abs(o * v[j * c.ld() + c.vCol() + h * d + e]);
                        }
                        dSum += p * dp[j - start];
                        dAbs += p * dpAbs[j - start] + pErr[j - start] * Math.abs(dp[j - start]);
                    }
                    for (int e = 0; e < d; e++) {
                        delta[row] += dOut[row * d + e] * fwd.out()[row * d + e];
                        deltaScale[row] += Math.abs(dOut[row * d + e]) * fwd.outScale()[row * d + e];
                    }
                    for (int j = start; j < end; j++) {
                        double p = fwd.probs()[row * n + j - start];
                        double ds = p * (dp[j - start] - dSum);
                        double dsScale = pErr[j - start] * (Math.abs(dp[j - start]) + Math.abs(dSum))
                                + p * (dpAbs[j - start] + dAbs);
                        int jRow = j * heads + h;
                        for (int e = 0; e < d; e++) {
                            dv[jRow * d + e] += p * dOut[row * d + e];
                            dq[row * d + e] += scale * ds * k[j * c.ld() + c.kCol() + h * d + e];
                            dk[jRow * d + e] += scale * ds * q[i * c.ld() + h * d + e];
                            dvScale[jRow * d + e] += pErr[j - start] * Math.abs(dOut[row * d + e]);
                            dqScale[row * d + e] += scale * dsScale * Math.abs(k[j * c.ld() + c.kCol() + h * d + e]);
                            dkScale[jRow * d + e] += scale * dsScale * Math.abs(q[i * c.ld() + h * d + e]);
                        }
                    }
                }
            }
        }
        return new AttentionGradReference(dq, dk, dv, dqScale, dkScale, dvScale, lse, lseScale, delta, deltaScale);
    }

    /** Float64 attention, causal or not, without other masks: the {@code [tokens, heads·d]} outputs. */
    public static double[] output(double[] q, double[] k, double[] v, int[] seqStart, int heads, int d, int ld, int kCol,
                                  int vCol, boolean causal) {
        int tokens = seqStart[seqStart.length - 1];
        double scale = 1 / Math.sqrt(d);
        double[] out = new double[tokens * heads * d];
        for (int b = 0; b + 1 < seqStart.length; b++) {
            int start = seqStart[b];
            int end = seqStart[b + 1];
            for (int h = 0; h < heads; h++) {
                for (int i = start; i < end; i++) {
                    int row = i * heads + h;
                    int last = causal ? i + 1 : end;
                    double[] s = new double[last - start];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = start; j < last; j++) {
                        for (int e = 0; e < d; e++) {
                            s[j - start] += q[i * ld + h * d + e] * k[j * ld + kCol + h * d + e];
                        }
                        s[j - start] *= scale;
                        max = Math.max(max, s[j - start]);
                    }
                    double sum = 0;
                    for (double x : s) {
                        sum += Math.exp(x - max);
                    }
                    for (int j = start; j < last; j++) {
                        double pij = Math.exp(s[j - start] - max) / sum;
                        for (int e = 0; e < d; e++) {
                            out[row * d + e] += pij * v[j * ld + vCol + h * d + e];
                        }
                    }
                }
            }
        }
        return out;
    }

    static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }
}
