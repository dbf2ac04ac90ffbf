package dev.squall.tasks.attention;

/**
 * Float64 causal linear attention and its gradients for a packed-QKV {@link AttentionCase}, in the pairwise form
 * (not the kernels' factored sums): {@code w_ij = φ(q_i)·φ(k_j)} for {@code j ≤ i}, {@code den_i = Σ_j w_ij},
 * {@code o_i = Σ_j w_ij v_j / den_i} (0 when {@code den_i = 0}), and for an output gradient {@code g}
 * {@code dw_ij = g_i·(v_j − o_i)/den_i}, {@code dv_j = Σ_i (w_ij/den_i) g_i},
 * {@code dq_ic = [q_ic > 0] Σ_j dw_ij φ(k_jc)}, {@code dk_jc = [k_jc > 0] Σ_i dw_ij φ(q_ic)}. Error scales: the same
 * sums with every term replaced by its magnitude bound, {@code |dw_ij| ≤ (Σ_e |g_ie||v_je| + Σ_e |g_ie|·oScale_ie)/den_i}
 * with {@code oScale_ie = Σ_j w_ij|v_je|/den_i + |o_ie|} (the forward's bound), plus the element itself.
 *
 * @param out     {@code [tokens, heads·d]}
 * @param dq      {@code [tokens, heads·d]}
 * @param dk      {@code [tokens, heads·d]}
 * @param dv      {@code [tokens, heads·d]}
 * @param dqScale error scale of each {@code dq}
 * @param dkScale error scale of each {@code dk}
 * @param dvScale error scale of each {@code dv}
 */
record LinearGradReference(double[] out, double[] dq, double[] dk, double[] dv, double[] dqScale, double[] dkScale,
                           double[] dvScale) {

    /** The reference at the case's (float) QKV. */
    static LinearGradReference of(AttentionCase c, float[] dOut) {
        return of(AttentionGradReference.toDouble(c.q()), c, AttentionGradReference.toDouble(dOut));
    }

    /** The reference at packed {@code qkv} laid out as {@code c}'s. */
    static LinearGradReference of(double[] qkv, AttentionCase c, double[] g) {
        int heads = c.heads();
        int d = c.d();
        int size = c.outputSize();
        double[] out = new double[size];
        double[] oScale = new double[size];
        double[] dq = new double[size];
        double[] dk = new double[size];
        double[] dv = new double[size];
        double[] dqScale = new double[size];
        double[] dkScale = new double[size];
        double[] dvScale = new double[size];
        for (int b = 0; b < c.batch(); b++) {
            int start = c.seqStart()[b];
            for (int h = 0; h < heads; h++) {
                for (int i = start; i < c.seqStart()[b + 1]; i++) {
                    int oi = (i * heads + h) * d;
                    double den = 0;
                    for (int j = start; j <= i; j++) {
                        double w = weight(qkv, c, h, i, j);
                        den += w;
                        for (int e = 0; e < d; e++) {
                            out[oi + e] += w * value(qkv, c, h, j, e);
                            oScale[oi + e] += w * Math.abs(value(qkv, c, h, j, e));
                        }
                    }
                    if (den == 0) {
                        continue; // output 0 whatever the inputs nearby: no gradient
                    }
                    double go = 0;
                    double goScale = 0;
                    for (int e = 0; e < d; e++) {
                        out[oi + e] /= den;
                        oScale[oi + e] = oScale[oi + e] / den + Math.abs(out[oi + e]);
                        go += g[oi + e] * out[oi + e];
                        goScale += Math.abs(g[oi + e]) * oScale[oi + e];
                    }
                    for (int j = start; j <= i; j++) {
                        int oj = (j * heads + h) * d;
                        double w = weight(qkv, c, h, i, j);
                        double dw = -go;
                        double dwScale = goScale;
                        for (int e = 0; e < d; e++) {
                            dw += g[oi + e] * value(qkv, c, h, j, e);
                            dwScale += Math.abs(g[oi + e] * value(qkv, c, h, j, e));
                            dv[oj + e] += w / den * g[oi + e];
                            dvScale[oj + e] += w / den * Math.abs(g[oi + e]);
                        }
                        dw /= den;
                        dwScale /= den;
                        for (int x = 0; x < d; x++) {
                            double q = qkv[i * c.ld() + h * d + x];
                            double k = qkv[j * c.ld() + c.kCol() + h * d + x];
                            if (q > 0) {
                                dq[oi + x] += dw * Math.max(k, 0);
                                dqScale[oi + x] += dwScale * Math.max(k, 0);
                            }
                            if (k > 0) {
                                dk[oj + x] += dw * Math.max(q, 0);
                                dkScale[oj + x] += dwScale * Math.max(q, 0);
                            }
                        }
                    }
                }
            }
        }
        for (int x = 0; x < size; x++) {
            dqScale[x] += Math.abs(dq[x]);
            dkScale[x] += Math.abs(dk[x]);
            dvScale[x] += Math.abs(dv[x]);
        }
        return new LinearGradReference(out, dq, dk, dv, dqScale, dkScale, dvScale);
    }

    private static double weight(double[] qkv, AttentionCase c, int h, int i, int j) {
        double w = 0;
        for (int x = 0; x < c.d(); x++) {
            w += Math.max(qkv[i * c.ld() + h * c.d() + x], 0) * Math.max(qkv[j * c.ld() + c.kCol() + h * c.d() + x], 0);
        }
        return w;
    }

    private static double value(double[] qkv, AttentionCase c, int h, int j, int e) {
        return qkv[j * c.ld() + c.vCol() + h * c.d() + e];
    }
}
