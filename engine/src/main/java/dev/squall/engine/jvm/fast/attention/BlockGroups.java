package dev.squall.engine.jvm.fast.attention;

import dev.squall.tasks.attention.FusedAttention;

/**
 * The parallel rows of the fused attention kernels ({@code row = blk·heads + h}, {@code blk} a block of
 * {@link FusedAttention#QUERY_BLOCK} tokens counted over all sequences) as groups a fast path can tile: for each
 * head, the slice's consecutive blocks of one sequence, up to a given number of tokens. A group's tokens are the
 * queries of the forward and of {@code queryGradient}, the keys of {@code keyValueGradient}.
 */
final class BlockGroups {
    private BlockGroups() {
    }

    /** What a fast path does with one group. */
    @FunctionalInterface
    interface Body {
        /**
         * Tokens {@code [first, first + count)} of head {@code h}, in the sequence {@code [start, end)}.
         */
        void group(int h, int start, int end, int first, int count);
    }

    /**
     * Calls {@code body} for the runs of rows {@code [rowOffset, rowOffset + rowCount)}: for each head, the slice's
     * consecutive blocks of one sequence, however many.
     */
    static void forEachRun(int[] seqStart, int heads, int rowOffset, int rowCount, Body body) {
        forEach(seqStart, heads, rowOffset, rowCount, Integer.MAX_VALUE / FusedAttention.QUERY_BLOCK
                * FusedAttention.QUERY_BLOCK, body);
    }

    /**
     * Calls {@code body} for the groups of rows {@code [rowOffset, rowOffset + rowCount)}, head by head, each at most
     * {@code maxTokens} tokens (a multiple of {@link FusedAttention#QUERY_BLOCK}) and never straddling two sequences.
     */
    static void forEach(int[] seqStart, int heads, int rowOffset, int rowCount, int maxTokens, Body body) {
        if (rowCount <= 0) {
            return;
        }
        int firstBlock = rowOffset / heads;
        int lastBlock = (rowOffset + rowCount - 1) / heads;
        for (int h = 0; h < heads; h++) {
            // Blocks of head h in the slice: rows blk·heads + h within [rowOffset, rowOffset + rowCount).
            int blk = rowOffset <= firstBlock * heads + h ? firstBlock : firstBlock + 1;
            int blkEnd = rowOffset + rowCount > lastBlock * heads + h ? lastBlock + 1 : lastBlock;
            int b = 0;
            int seqFirstBlock = 0;
            while (blk < blkEnd) {
                while (blk >= seqFirstBlock + FusedAttention.blocksOf(seqStart, b)) {
                    seqFirstBlock += FusedAttention.blocksOf(seqStart, b);
                    b++;
                }
                int blocks = Math.min(Math.min(maxTokens / FusedAttention.QUERY_BLOCK, blkEnd - blk),
                        seqFirstBlock + FusedAttention.blocksOf(seqStart, b) - blk);
                int first = seqStart[b] + (blk - seqFirstBlock) * FusedAttention.QUERY_BLOCK;
                int last = Math.min(first + blocks * FusedAttention.QUERY_BLOCK, seqStart[b + 1]);
                body.group(h, seqStart[b], seqStart[b + 1], first, last - first);
                blk += blocks;
            }
        }
    }
}
