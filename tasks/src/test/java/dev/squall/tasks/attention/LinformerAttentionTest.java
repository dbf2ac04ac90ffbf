package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LinformerAttention}: with {@code E = F = I} ({@code r = n}) it is dense attention, causal or not,
 * for equal and mixed lengths; with random projections (some rows zero, some starting late, scaled by
 * {@code 1/√n} or not, {@code r} below and above the sequence lengths) it matches its float64 definition,
 * written here: {@code K'_ρ = Σ_{j ≤ lim} E[ρ,j]·k_j}, {@code V'_ρ} likewise with {@code F}, softmax over
 * the projected keys with {@code first_ρ ≤ lim} ({@code lim = i} causal, {@code n − 1} otherwise).
 *
 * <p>Bound: {@code 1e-5 · (Σ_ρ p_ρ Σ_j |F_ρj||v_jc| + Σ_ρ p_ρ σ_ρ |V'_ρc − out_c|)}, the error scale of
 * the weighted sum plus that of the probabilities, whose scores err by up to {@code 1e-5·σ_ρ} with
 * {@code σ_ρ = Σ_j |E_ρj| Σ_c |q_c k_jc| / √d}.
 */
class LinformerAttentionTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void identityProjectionsAreDenseAttention(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5));
            int n = c.maxLen();
            float[] e = new float[n * n];
            for (int i = 0; i < n; i++) {
                e[i * n + i] = 1;
            }
            int[] pattern = LinformerCase.descriptor(causal, n, n, false, e);
            float[] proj = LinformerCase.tokenMajor(e, e, n, n);
            PatternCheck.check(PatternCheck.subject("LinformerAttention", "E=F=I r=" + n, c, rnd), c, rnd, rows(c, causal, n),
                    (out, off, cnt) -> run(c, causal, pattern, proj, n, out, off, cnt), (b, h, i, j) -> true);
        }
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void randomProjectionsMatchTheirFloat64Definition(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5));
            int rank = new int[] {1, 4, 13, 64, 150}[rnd.nextInt(0, 4)];
            LinformerCase l = LinformerCase.random(rnd, causal, rank, c.maxLen() + rnd.nextInt(0, 3));
            Subject subject = PatternCheck.subject("LinformerAttention", l.describe(), c, rnd).rowsOf(c.heads() * c.d());
            float[] out = new float[c.outputSize()];
            RowSlices.run(subject, rnd, rows(c, causal, rank), (off, cnt) -> run(c, causal, l.pattern(), l.proj(), rank,
                    out, off, cnt), out);
            double[][] ref = l.reference(c, causal);
            Tolerance.FP32.assertClose(subject.with("vs float64 definition"), out, ref[0], ref[1]);
        }
    }

    private static int rows(AttentionCase c, boolean causal, int rank) {
        return causal ? c.batch() * c.heads() : PatternCheck.blockRows(c);
    }

    /** The causal scan, or the projection (all rows at once: it is checked through the attention) then the attention. */
    private static void run(AttentionCase c, boolean causal, int[] pattern, float[] proj, int rank, float[] out, int off, int cnt) {
        float[] kv = new float[c.batch() * c.heads() * rank * 2 * c.d()];
        if (causal) {
            LinformerAttention.causalScan(c.q(), c.k(), c.v(), proj, kv, out, c.seqStart(), pattern, c.heads(), c.d(),
                    c.ld(), c.kCol(), c.vCol(), off, cnt);
        } else {
            LinformerAttention.project(c.k(), c.v(), proj, kv, c.seqStart(), pattern, c.heads(), c.d(), c.ld(), c.kCol(),
                    c.vCol(), 0, LinformerAttention.projectRows(c.batch(), c.heads(), rank));
            LinformerAttention.attention(c.q(), kv, out, c.seqStart(), pattern, c.heads(), c.d(), c.ld(), off, cnt);
        }
    }

}
