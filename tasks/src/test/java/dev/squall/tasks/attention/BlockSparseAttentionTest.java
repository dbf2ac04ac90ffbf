package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BlockSparseAttention} against float64 dense attention with the block mask: query {@code i} sees
 * key {@code j} when {@code layout[i / B][j / B]} ({@code j ≤ i} when causal). Random boolean layouts of
 * several densities and block sizes (1, a prime, larger than the sequence) on every
 * {@link AttentionCase#awkwardShapes()} shape, one layout shared by all sequences (its top-left corner) or
 * one per sequence; empty rows (a query that sees nothing gets zeros) and the full layout (dense).
 */
class BlockSparseAttentionTest {
    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesDenseWithBlockMask(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5));
            int block = new int[] {1, 3, 16, 64, 500}[rnd.nextInt(0, 4)];
            double density = new double[] {0, 0.3, 0.7, 1}[rnd.nextInt(0, 3)];
            boolean perSequence = rnd.chance(0.5);
            check(c, rnd, causal, block, layouts(c, rnd, block, density, perSequence));
        }
    }

    @Test
    void edgeCases() {
        for (boolean causal : new boolean[] {false, true}) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase one = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {1}, 2, 5), PatternCheck.flags(causal), false);
            check(one, rnd, causal, 4, layouts(one, rnd, 4, 1, false));
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {37, 50}, 2, 8), PatternCheck.flags(causal), true);
            check(c, rnd, causal, 8, layouts(c, rnd, 8, 0, false)); // nothing visible: zeros
            check(c, rnd, causal, 8, layouts(c, rnd, 8, 1, false)); // everything: dense
            check(c, rnd, causal, 7, layouts(c, rnd, 7, 0.5, true));
        }
    }

    /** One boolean layout per sequence ({@code perSequence}) or one shared, covering the longest sequence. */
    private static boolean[][][] layouts(AttentionCase c, RandomArrays rnd, int block, double density, boolean perSequence) {
        boolean[][][] layouts = new boolean[c.batch()][][];
        for (int b = 0; b < c.batch(); b++) {
            if (b > 0 && !perSequence) {
                layouts[b] = layouts[0];
                continue;
            }
            int n = perSequence ? c.lengths()[b] : c.maxLen();
            int nb = (n + block - 1) / block;
            layouts[b] = new boolean[nb][nb];
            for (boolean[] row : layouts[b]) {
                for (int j = 0; j < nb; j++) {
                    row[j] = rnd.chance(density);
                }
            }
        }
        return layouts;
    }

    private static void check(AttentionCase c, RandomArrays rnd, boolean causal, int block, boolean[][][] layouts) {
        int[] pattern = {PatternCheck.flags(causal), block};
        int[] csr = csr(layouts);
        PatternCheck.check(PatternCheck.subject("BlockSparseAttention.attention", "B=" + block, c, rnd), c, rnd,
                PatternCheck.blockRows(c),
                (out, off, cnt) -> BlockSparseAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern, csr,
                        c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                (b, h, i, j) -> layouts[b][i / block][j / block]);
    }

    /** The kernel's input format: a table of per-sequence offsets, then one CSR per distinct layout. */
    static int[] csr(boolean[][][] layouts) {
        List<Integer> out = new ArrayList<>();
        for (int b = 0; b < layouts.length; b++) {
            out.add(0);
        }
        for (int b = 0; b < layouts.length; b++) {
            int shared = -1;
            for (int a = 0; a < b; a++) {
                if (layouts[a] == layouts[b]) {
                    shared = out.get(a);
                }
            }
            if (shared >= 0) {
                out.set(b, shared);
                continue;
            }
            boolean[][] layout = layouts[b];
            int base = out.size();
            out.set(b, base);
            int cols = base + layout.length + 1;
            for (boolean[] row : layout) {
                out.add(cols);
                for (boolean x : row) {
                    cols += x ? 1 : 0;
                }
            }
            out.add(cols);
            for (boolean[] row : layout) {
                for (int j = 0; j < row.length; j++) {
                    if (row[j]) {
                        out.add(j);
                    }
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
