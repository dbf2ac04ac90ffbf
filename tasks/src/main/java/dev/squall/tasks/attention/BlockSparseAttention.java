package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Block-sparse attention, fused: each sequence is cut into blocks of {@code B} positions (the last one
 * partial), and query {@code i} of block {@code I = i / B} sees exactly the keys of the key blocks its
 * block row lists ({@code j ≤ i} too with {@link AttentionMask#CAUSAL}). Any block layout runs here: an
 * explicit boolean matrix of blocks, Sparse Transformer's fixed and strided layouts, BigBird's window,
 * global and random blocks; the engine turns each into lists.
 *
 * <p>{@code layout} holds one compressed-sparse-row (CSR) list per layout in use and starts with a table
 * of {@code batch} entries: {@code layout[b]} is the offset {@code o} of the CSR of sequence {@code b}
 * (sequences may share one). At {@code o}, {@code layout[o + I] .. layout[o + I + 1]} are the absolute
 * indices in {@code layout} of block row {@code I}'s key blocks, strictly ascending; the CSR must have at
 * least {@code ceil(n / B)} block rows for a sequence of {@code n} tokens, and key blocks starting at or past
 * {@code n} are ignored (so one CSR built for the longest sequence serves shorter ones as their top-left
 * corner). Only listed blocks are visited, and within the diagonal block of a causal row only {@code j ≤ i}:
 * the cost per query is {@code O(listed keys · d)}. Parallel rows: {@link QueryBlocks}.
 *
 * <p>The pattern descriptor is {@code [FLAGS, BLOCK]}.
 */
public final class BlockSparseAttention {
    /** Descriptor index: {@link AttentionMask} flags ({@code CAUSAL} only). */
    public static final int FLAGS = 0;
    /** Descriptor index: block size {@code B >= 1}. */
    public static final int BLOCK = 1;

    private BlockSparseAttention() {
    }

    /** Attention output {@code out[t, h, :]} for the queries of the parallel rows (see the class comment). */
    public static void attention(float[] q, float[] k, float[] v, @Out float[] out, int[] seqStart, int[] pattern,
                                 int[] layout, int heads, int d, int ld, int kCol, int vCol, int rowOffset,
                                 int rowCount) {
        boolean causal = (pattern[FLAGS] & AttentionMask.CAUSAL) != 0;
        int block = pattern[BLOCK];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int[] at = new int[QueryBlocks.SIZE];
            QueryBlocks.locate(seqStart, heads, rowOffset + r, at);
            int h = at[QueryBlocks.HEAD];
            int b = at[QueryBlocks.SEQUENCE];
            int start = at[QueryBlocks.START];
            int n = at[QueryBlocks.LENGTH];
            int csr = layout[b];
            int[] ctx = new int[KeyStream.CTX];
            int[] keys = new int[KeyStream.TILE];
            float[] scores = new float[KeyStream.TILE];
            float[] st = new float[KeyStream.STATE];
            for (int t = at[QueryBlocks.FIRST]; t < at[QueryBlocks.END]; t++) {
                int i = t - start;
                int last = causal ? i : n - 1;
                int blockRow = i / block;
                KeyStream.beginToken(ctx, st, out, t, h, heads, d, ld, kCol, vCol);
                for (int p = layout[csr + blockRow]; p < layout[csr + blockRow + 1]; p++) {
                    int j0 = layout[p] * block;
                    if (j0 > last) {
                        break; // ascending blocks: the rest lie past the sequence or the causal limit
                    }
                    int j1 = Math.min(j0 + block - 1, last);
                    for (int j = j0; j <= j1; j++) {
                        KeyStream.add(start + j, ctx, keys, scores, st, q, k, v, out);
                    }
                }
                KeyStream.end(ctx, keys, scores, st, q, k, v, out);
            }
        }
    }
}
