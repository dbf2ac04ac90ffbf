package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.BlockSparseAttention;
import dev.squall.tasks.attention.QueryBlocks;

/**
 * {@link BlockSparseAttention} (explicit, fixed, strided and BigBird layouts) on the Vector API: the
 * kernel's walk over each query's listed key blocks, in the same order, with the tiles scored and folded by
 * {@link KeyStreamVector}.
 */
@FastPathFor(BlockSparseAttention.class)
public final class BlockSparseAttentionVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public BlockSparseAttentionVector() {
    }

    /** Same contract as {@link BlockSparseAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int[] pattern,
                                 int[] layout, int heads, int d, int ld, int kCol, int vCol, int rowOffset,
                                 int rowCount) {
        boolean causal = (pattern[BlockSparseAttention.FLAGS] & AttentionMask.CAUSAL) != 0;
        int block = pattern[BlockSparseAttention.BLOCK];
        KeyStreamVector stream = new KeyStreamVector(q, k, v, out);
        int[] at = new int[QueryBlocks.SIZE];
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            QueryBlocks.locate(seqStart, heads, row, at);
            int h = at[QueryBlocks.HEAD];
            int start = at[QueryBlocks.START];
            int n = at[QueryBlocks.LENGTH];
            int csr = layout[at[QueryBlocks.SEQUENCE]];
            for (int t = at[QueryBlocks.FIRST]; t < at[QueryBlocks.END]; t++) {
                int i = t - start;
                int last = causal ? i : n - 1;
                stream.beginToken(t, h, heads, d, ld, kCol, vCol);
                for (int p = layout[csr + i / block]; p < layout[csr + i / block + 1] && layout[p] * block <= last; p++) {
                    for (int j = layout[p] * block; j <= Math.min(layout[p] * block + block - 1, last); j++) {
                        stream.add(start + j);
                    }
                }
                stream.end();
            }
        }
    }
}
