package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.BlockSparseAttention;

/**
 * {@link BlockSparseAttention} (explicit, fixed, strided and BigBird layouts) on the tiles of {@link QueryGroup}:
 * the queries of one block row form a group, and the key blocks its row lists are its key tiles, consecutive
 * listed blocks merged into tiles of up to {@link QueryGroup#MAX_KEYS} keys and longer blocks cut into such
 * tiles. The tiling follows from the block row's list alone and a causal query sees the keys {@code j ≤ i} of
 * each tile, so results do not depend on the split.
 */
@FastPathFor(BlockSparseAttention.class)
public final class BlockSparseAttentionVector implements FastPath {
    private static final int KB = QueryGroup.MAX_KEYS;
    private static final int GROUP = QueryGroup.MAX_QUERIES;

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public BlockSparseAttentionVector() {
    }

    /** Same contract as {@link BlockSparseAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int[] pattern,
                                 int[] layout, int heads, int d, int ld, int kCol, int vCol, int rowOffset,
                                 int rowCount) {
        boolean causal = (pattern[BlockSparseAttention.FLAGS] & AttentionMask.CAUSAL) != 0;
        int block = pattern[BlockSparseAttention.BLOCK];
        int od = heads * d;
        FusedAttentionVector.Workspace w = FusedAttentionVector.workspace();
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, i0, i1) -> {
            int n = end - start;
            int csr = layout[b];
            KeyValuePanels kv = w.panels;
            kv.select(k, v, ld, kCol + h * d, vCol + h * d, start, 1, n, d);
            QueryGroup g = w.group;
            for (int a = i0 - start; a < i1 - start; ) {
                int row = a / block;
                int groupEnd = Math.min(Math.min(i1 - start, (row + 1) * block), a + GROUP);
                int qn = groupEnd - a;
                g.begin(q, (start + a) * ld + h * d, ld, qn, d);
                int last = causal ? groupEnd - 1 : n - 1; // no query of the group sees a key past it
                int p = layout[csr + row];
                int pEnd = layout[csr + row + 1];
                int j0 = p < pEnd ? layout[p] * block : n;
                int jEnd = j0; // the current tile is keys [j0, jEnd)
                while (j0 <= last) {
                    // Extend the tile by the listed blocks that follow on directly, up to KB keys.
                    while (p < pEnd && layout[p] * block == jEnd && jEnd - j0 < KB && jEnd < n) {
                        jEnd = Math.min(n, jEnd + block);
                        p++;
                    }
                    int t1 = Math.min(jEnd, j0 + KB);
                    tile(w, g, causal, a, qn, j0, t1 - j0, d);
                    j0 = t1;
                    if (j0 >= jEnd) {
                        j0 = p < pEnd ? layout[p] * block : n;
                        jEnd = j0;
                    }
                }
                g.end(out, (start + a) * od + h * d, od);
                a = groupEnd;
            }
        });
    }

    /** The tile of keys {@code [j0, j0 + kn)} for the group's queries, which start at position {@code a}. */
    private static void tile(FusedAttentionVector.Workspace w, QueryGroup g, boolean causal, int a, int qn, int j0,
                             int kn, int d) {
        for (int c = 0; c < qn; c++) {
            g.lo[c] = 0;
            g.hi[c] = causal ? Math.max(0, Math.min(kn, a + c - j0 + 1)) : kn;
        }
        if (!g.anyVisible()) {
            return;
        }
        KeyValuePanels kv = w.panels;
        kv.ensure(j0, j0 + kn);
        g.tile(kv.keys, j0 * d, d, kn, kv.values, KeyValuePanels.valueOffset(j0), kv.valueStride(), null);
    }
}
