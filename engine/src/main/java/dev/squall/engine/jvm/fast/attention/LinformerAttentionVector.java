package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.LinformerAttention;
import java.util.Arrays;

/**
 * {@link LinformerAttention} without the causal mask: the projections {@code K' = E·K}, {@code V' = F·V} of a chunk
 * of projected rows as blocked products of {@link GemmDriver} (per block of {@link GemmDriver#KC} tokens, the
 * block's columns of {@code E} and {@code F}, times the scale, transposed into a per-thread buffer), and the
 * attention of the queries to the projected keys on the tiles of {@link QueryGroup}, the projected keys hidden
 * where the plain kernel leaves them out ({@code first_ρ} past the sequence). The causal form keeps its plain
 * prefix scan. Results differ from the plain kernels by the order of the sums and do not depend on the split.
 */
@FastPathFor(LinformerAttention.class)
public final class LinformerAttentionVector implements FastPath {
    private static final int KB = QueryGroup.MAX_KEYS;
    private static final int GROUP = QueryGroup.MAX_QUERIES;
    private static final int BLOCK = GemmDriver.KC;
    private static final ThreadLocal<float[][]> COEFFICIENTS = ThreadLocal.withInitial(() -> new float[1][0]);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public LinformerAttentionVector() {
    }

    /** Fast {@link LinformerAttention#project}. */
    public static void project(float[] k, float[] v, float[] proj, float[] kv, int[] seqStart, int[] pattern,
                               int heads, int d, int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        int rank = pattern[LinformerAttention.RANK];
        int chunks = (rank + LinformerAttention.RHO_BLOCK - 1) / LinformerAttention.RHO_BLOCK;
        float[][] holder = COEFFICIENTS.get();
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int rho0 = row % chunks * LinformerAttention.RHO_BLOCK;
            int m = Math.min(rho0 + LinformerAttention.RHO_BLOCK, rank) - rho0;
            int bh = row / chunks;
            int h = bh % heads;
            int b = bh / heads;
            int start = seqStart[b];
            int n = seqStart[b + 1] - start;
            float scale = pattern[LinformerAttention.SCALED] != 0 && n > 0 ? (float) (1.0 / Math.sqrt(n)) : 1f;
            int out = bh * rank * 2 * d + rho0 * 2 * d;
            for (int rho = 0; rho < m; rho++) {
                Arrays.fill(kv, out + rho * 2 * d, out + rho * 2 * d + 2 * d, 0f);
            }
            for (int j0 = 0; j0 < n; j0 += BLOCK) {
                int kc = Math.min(BLOCK, n - j0);
                if (holder[0].length < 2 * m * kc) {
                    holder[0] = new float[2 * LinformerAttention.RHO_BLOCK * BLOCK];
                }
                float[] e = holder[0];
                int f = m * kc; // F's rows follow E's
                for (int p = 0; p < kc; p++) {
                    int column = (j0 + p) * 2 * rank;
                    for (int rho = 0; rho < m; rho++) {
                        e[rho * kc + p] = proj[column + rho0 + rho] * scale;
                        e[f + rho * kc + p] = proj[column + rank + rho0 + rho] * scale;
                    }
                }
                GemmDriver.product(new GemmDriver.Matrix(e, kc, 0, 0), new GemmDriver.Matrix(k, ld, start + j0,
                        kCol + h * d), false, kv, out, 2 * d, m, d, kc, true, null, 0, Activations.IDENTITY);
                GemmDriver.product(new GemmDriver.Matrix(e, kc, m, 0), new GemmDriver.Matrix(v, ld, start + j0,
                        vCol + h * d), false, kv, out + d, 2 * d, m, d, kc, true, null, 0, Activations.IDENTITY);
            }
        }
    }

    /** Fast {@link LinformerAttention#attention}. */
    public static void attention(float[] q, float[] kv, float[] out, int[] seqStart, int[] pattern, int heads, int d,
                                 int ld, int rowOffset, int rowCount) {
        int rank = pattern[LinformerAttention.RANK];
        int od = heads * d;
        FusedAttentionVector.Workspace w = FusedAttentionVector.workspace();
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, i0, i1) -> {
            int n = end - start;
            int base = (b * heads + h) * rank * 2 * d;
            KeyValuePanels panels = w.panels;
            panels.select(kv, kv, 2 * d, base, base + d, 0, 1, rank, d);
            QueryGroup g = w.group;
            for (int a = i0; a < i1; a += GROUP) {
                int qn = Math.min(GROUP, i1 - a);
                g.begin(q, a * ld + h * d, ld, qn, d);
                for (int j0 = 0; j0 < rank; j0 += KB) {
                    int kn = Math.min(KB, rank - j0);
                    Arrays.fill(g.lo, 0, qn, 0);
                    Arrays.fill(g.hi, 0, qn, kn);
                    boolean hidden = false;
                    for (int r = 0; r < kn; r++) {
                        hidden |= pattern[LinformerAttention.FIRST + j0 + r] > n - 1;
                    }
                    panels.ensure(j0, j0 + kn);
                    int tileStart = j0;
                    g.tile(panels.keys, j0 * d, d, kn, panels.values, KeyValuePanels.valueOffset(j0),
                            panels.valueStride(), hidden ? (grp, c0, c1) -> hide(grp, pattern, n, tileStart, kn, c0, c1)
                                    : null);
                }
                g.end(out, a * od + h * d, od);
            }
        });
    }

    /** −∞ for the projected keys of the tile whose first position lies past the sequence. */
    private static void hide(QueryGroup g, int[] pattern, int n, int j0, int kn, int c0, int c1) {
        for (int r = 0; r < kn; r++) {
            if (pattern[LinformerAttention.FIRST + j0 + r] > n - 1) {
                for (int c = c0; c < c1; c++) {
                    g.tile[QueryGroup.at(r, c)] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }
}
