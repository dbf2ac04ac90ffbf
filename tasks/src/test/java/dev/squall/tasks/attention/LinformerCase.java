package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import java.util.Arrays;

/**
 * Random Linformer projections for tests, the kernels' descriptor and {@code proj} made from them, and the
 * float64 definition (see {@link LinformerAttentionTest}).
 *
 * @param e       {@code E}, row-major {@code [rank, stride]}
 * @param f       {@code F}, likewise
 * @param rank    projected rows
 * @param stride  positions of the projections (at least the longest sequence)
 * @param scaled  whether the kernels scale by {@code 1/√n}
 * @param pattern the kernels' descriptor
 * @param proj    the kernels' token-major projections
 */
public record LinformerCase(float[] e, float[] f, int rank, int stride, boolean scaled, int[] pattern, float[] proj) {
    /** Random projections (see {@link #projection}), scaled or not at random. */
    public static LinformerCase random(RandomArrays rnd, boolean causal, int rank, int stride) {
        boolean scaled = rnd.chance(0.5);
        float[] e = projection(rnd, rank, stride);
        float[] f = projection(rnd, rank, stride);
        return new LinformerCase(e, f, rank, stride, scaled, descriptor(causal, rank, stride, scaled, e),
                tokenMajor(e, f, rank, stride));
    }

    /** For test names. */
    public String describe() {
        return "r=" + rank + " stride=" + stride + " scaled=" + scaled;
    }

    /** Gaussian rows; one row zero (never seen), one starting at a random column, one with a single entry. */
    static float[] projection(RandomArrays rnd, int rank, int stride) {
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
    public static int[] descriptor(boolean causal, int rank, int stride, boolean scaled, float[] e) {
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
    public static float[] tokenMajor(float[] e, float[] f, int rank, int stride) {
        float[] proj = new float[2 * rank * stride];
        for (int rho = 0; rho < rank; rho++) {
            for (int j = 0; j < stride; j++) {
                proj[j * 2 * rank + rho] = e[rho * stride + j];
                proj[j * 2 * rank + rank + rho] = f[rho * stride + j];
            }
        }
        return proj;
    }

    /**
     * {output, error scale} of the float64 definition (see the class comment), walking each sequence once:
     * {@code V'} grows with the prefix, the scores come from the query's dot products with the keys.
     */
    public double[][] reference(AttentionCase c, boolean causal) {
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
