package dev.squall.tasks.attention;

/**
 * Linear attention's float64 definition, written here:
 * {@code out_i = Σ_j (φ(q_i)·φ(k_j)) v_j / Σ_j φ(q_i)·φ(k_j)} over {@code j < n} ({@code j ≤ i} causal),
 * {@code φ = ReLU}, zeros where the denominator is 0 — in the pairwise form, not the kernels' factored
 * {@code φ(q)ᵀ(Σ φ(k) vᵀ)} form. Error scale per element: {@code Σ_j (φ(q_i)·φ(k_j)) |v_jc| / den + |out_c|}, that
 * of the numerator over the denominator plus the denominator's relative error (all its terms are positive).
 *
 * @param out   the reference output, laid out as the kernels' output
 * @param scale the error scale of each element
 */
public record LinearAttentionReference(double[] out, double[] scale) {
    /** The reference for {@code c}, causal or not. */
    public static LinearAttentionReference of(AttentionCase c, boolean causal) {
        int d = c.d();
        double[] ref = new double[c.outputSize()];
        double[] scale = new double[ref.length];
        for (int b = 0; b < c.batch(); b++) {
            int n = c.lengths()[b];
            for (int h = 0; h < c.heads(); h++) {
                for (int i = 0; i < n; i++) {
                    int t = c.seqStart()[b] + i;
                    int o = (t * c.heads() + h) * d;
                    double den = 0;
                    double[] num = new double[d];
                    double[] numScale = new double[d];
                    for (int j = 0; j <= (causal ? i : n - 1); j++) {
                        int u = c.seqStart()[b] + j;
                        double w = 0;
                        for (int x = 0; x < d; x++) {
                            w += Math.max(0, c.q()[t * c.ld() + h * d + x]) * Math.max(0, c.k()[u * c.ld() + c.kCol() + h * d + x]);
                        }
                        den += w;
                        for (int x = 0; x < d; x++) {
                            double v = c.v()[u * c.ld() + c.vCol() + h * d + x];
                            num[x] += w * v;
                            numScale[x] += w * Math.abs(v);
                        }
                    }
                    for (int x = 0; x < d; x++) {
                        ref[o + x] = den > 0 ? num[x] / den : 0;
                        scale[o + x] = den > 0 ? numScale[x] / den + Math.abs(ref[o + x]) : 0;
                    }
                }
            }
        }
        return new LinearAttentionReference(ref, scale);
    }
}
