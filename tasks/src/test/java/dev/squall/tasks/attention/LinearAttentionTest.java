package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LinearAttention} against its float64 definition, written here:
 * {@code out_i = Σ_j (φ(q_i)·φ(k_j)) v_j / Σ_j φ(q_i)·φ(k_j)} over {@code j < n} ({@code j ≤ i} causal),
 * {@code φ = ReLU}, zeros where the denominator is 0 — in the pairwise form, not the kernels' factored
 * {@code φ(q)ᵀ(Σ φ(k) vᵀ)} form. Bound: {@code 1e-5 · (Σ_j (φ(q_i)·φ(k_j)) |v_jc| / den + |out_c|)}, the
 * error scale of the numerator over the denominator plus the denominator's relative error (all its terms
 * are positive).
 */
class LinearAttentionTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesFloat64Definition(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5)), rnd, causal);
        }
    }

    /** Queries or keys without a positive feature give a zero denominator: zeros, never NaN. */
    @Test
    void zeroDenominatorGivesZeros() {
        for (boolean causal : new boolean[] {false, true}) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {9, 1, 20}, 2, 5),
                    PatternCheck.flags(causal), false);
            for (int x = 0; x < 10; x++) {
                c.q()[x] = -Math.abs(c.q()[x]); // token 0, both heads: no positive feature
                c.k()[9 * 10 + x] = -Math.abs(c.k()[9 * 10 + x]); // the single-token sequence: no positive key feature
            }
            check(c, rnd, causal);
        }
    }

    private static void check(AttentionCase c, RandomArrays rnd, boolean causal) {
        Subject subject = PatternCheck.subject("LinearAttention", causal ? "causal scan" : "summarise+attention", c, rnd)
                .rowsOf(c.heads() * c.d());
        int d = c.d();
        float[] state = new float[LinearAttention.stateSize(c.batch(), c.heads(), d)];
        float[] out = new float[c.outputSize()];
        if (causal) {
            RowSlices.run(subject, rnd, c.batch() * c.heads(), (off, cnt) -> LinearAttention.causalScan(c.q(), c.k(),
                    c.v(), state, out, c.seqStart(), c.heads(), d, c.ld(), c.kCol(), c.vCol(), off, cnt), out);
        } else {
            RowSlices.run(subject.with("summarise"), rnd, c.batch() * c.heads(), (off, cnt) -> LinearAttention.summarise(
                    c.k(), c.v(), c.seqStart(), state, c.heads(), d, c.ld(), c.kCol(), c.vCol(), off, cnt), state);
            RowSlices.run(subject, rnd, c.queryRows(), (off, cnt) -> LinearAttention.attention(c.q(), state, out,
                    c.seqStart(), c.heads(), d, c.ld(), off, cnt), out);
        }
        double[] ref = new double[out.length];
        double[] scale = new double[out.length];
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
        Tolerance.FP32.assertClose(subject.with("vs float64 definition"), out, ref, scale);
    }
}
