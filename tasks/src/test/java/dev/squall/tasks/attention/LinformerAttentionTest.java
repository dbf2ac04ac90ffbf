package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.Arrays;
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
            int[] pattern = descriptor(causal, n, n, false, e);
            float[] proj = tokenMajor(e, e, n, n);
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
            int stride = c.maxLen() + rnd.nextInt(0, 3);
            boolean scaled = rnd.chance(0.5);
            float[] e = projection(rnd, rank, stride);
            float[] f = projection(rnd, rank, stride);
            int[] pattern = descriptor(causal, rank, stride, scaled, e);
            float[] proj = tokenMajor(e, f, rank, stride);
            Subject subject = PatternCheck.subject("LinformerAttention", "r=" + rank + " stride=" + stride
                    + " scaled=" + scaled, c, rnd).rowsOf(c.heads() * c.d());
            float[] out = new float[c.outputSize()];
            RowSlices.run(subject, rnd, rows(c, causal, rank), (off, cnt) -> run(c, causal, pattern, proj, rank, out, off, cnt), out);
            double[][] ref = reference(c, causal, rank, stride, scaled, e, f);
            Tolerance.FP32.assertClose(subject.with("vs float64 definition"), out, ref[0], ref[1]);
        }
    }

    /** Gaussian rows; one row zero (never seen), one starting at a random column, one with a single entry. */
    private static float[] projection(RandomArrays rnd, int rank, int stride) {
        float[] p = rnd.gaussian(rank * stride);
        int row = rnd.nextInt(0, rank - 1);
        int from = rnd.nextInt(0, stride);
        Arrays.fill(p, row * stride, row * stride + from, 0f);
        if (rank > 2) {
            Arrays.fill(p, 0, stride, 0f);
            int single = rnd.nextInt(0, rank - 1);
            int col = rnd.nextInt(0, stride - 1);
            float x = p[single * stride + col];
            Arrays.fill(p, single * stride, (single + 1) * stride, 0f);
            p[single * stride + col] = x;
        }
        return p;
    }

    /** The descriptor, with {@code first_ρ} the first non-zero column of row ρ of {@code e} (or {@code stride}). */
    private static int[] descriptor(boolean causal, int rank, int stride, boolean scaled, float[] e) {
        int[] p = new int[LinformerAttention.FIRST + rank];
        p[LinformerAttention.FLAGS] = PatternCheck.flags(causal);
        p[LinformerAttention.RANK] = rank;
        p[LinformerAttention.SCALED] = scaled ? 1 : 0;
        for (int rho = 0; rho < rank; rho++) {
            int first = 0;
            while (first < stride && e[rho * stride + first] == 0f) {
                first++;
            }
            p[LinformerAttention.FIRST + rho] = first;
        }
        return p;
    }

    /** The kernel's token-major {@code proj} from row-major {@code [rank, stride]} {@code e} and {@code f}. */
    private static float[] tokenMajor(float[] e, float[] f, int rank, int stride) {
        float[] proj = new float[2 * rank * stride];
        for (int rho = 0; rho < rank; rho++) {
            for (int j = 0; j < stride; j++) {
                proj[j * 2 * rank + rho] = e[rho * stride + j];
                proj[j * 2 * rank + rank + rho] = f[rho * stride + j];
            }
        }
        return proj;
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

    /**
     * {output, error scale} of the float64 definition (see the class comment), walking each sequence once:
     * {@code V'} grows with the prefix, the scores come from the query's dot products with the keys.
     */
    private static double[][] reference(AttentionCase c, boolean causal, int rank, int stride, boolean scaled,
                                        float[] e, float[] f) {
        int d = c.d();
        double[] out = new double[c.outputSize()];
        double[] scale = new double[out.length];
        for (int b = 0; b < c.batch(); b++) {
            int n = c.lengths()[b];
            double coef = scaled ? 1 / Math.sqrt(n) : 1;
            for (int h = 0; h < c.heads(); h++) {
                double[][] vp = new double[rank][d];
                double[][] vpScale = new double[rank][d];
                int added = 0;
                for (int i = 0; i < n; i++) {
                    int t = c.seqStart()[b] + i;
                    int lim = causal ? i : n - 1;
                    for (; added <= lim; added++) {
                        int u = c.seqStart()[b] + added;
                        for (int rho = 0; rho < rank; rho++) {
                            double fr = f[rho * stride + added] * coef;
                            for (int x = 0; x < d; x++) {
                                double vv = c.v()[u * c.ld() + c.vCol() + h * d + x];
                                vp[rho][x] += fr * vv;
                                vpScale[rho][x] += Math.abs(fr * vv);
                            }
                        }
                    }
                    double[] qk = new double[lim + 1];
                    double[] absQk = new double[lim + 1];
                    for (int j = 0; j <= lim; j++) {
                        int u = c.seqStart()[b] + j;
                        for (int x = 0; x < d; x++) {
                            double p = (double) c.q()[t * c.ld() + h * d + x] * c.k()[u * c.ld() + c.kCol() + h * d + x];
                            qk[j] += p / Math.sqrt(d);
                            absQk[j] += Math.abs(p) / Math.sqrt(d);
                        }
                    }
                    double[] s = new double[rank];
                    double[] sigma = new double[rank];
                    boolean[] seen = new boolean[rank];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int rho = 0; rho < rank; rho++) {
                        for (int j = 0; j <= lim; j++) {
                            double er = e[rho * stride + j] * coef;
                            seen[rho] |= er != 0;
                            s[rho] += er * qk[j];
                            sigma[rho] += Math.abs(er) * absQk[j];
                        }
                        max = seen[rho] ? Math.max(max, s[rho]) : max;
                    }
                    double sum = 0;
                    for (int rho = 0; rho < rank; rho++) {
                        sum += seen[rho] ? Math.exp(s[rho] - max) : 0;
                    }
                    int o = (t * c.heads() + h) * d;
                    for (int rho = 0; rho < rank; rho++) {
                        for (int x = 0; x < d && seen[rho]; x++) {
                            out[o + x] += Math.exp(s[rho] - max) / sum * vp[rho][x];
                        }
                    }
                    for (int rho = 0; rho < rank; rho++) {
                        double p = seen[rho] ? Math.exp(s[rho] - max) / sum : 0;
                        for (int x = 0; x < d; x++) {
                            scale[o + x] += p * (vpScale[rho][x] + sigma[rho] * Math.abs(vp[rho][x] - out[o + x]));
                        }
                    }
                }
            }
        }
        return new double[][] {out, scale};
    }
}
