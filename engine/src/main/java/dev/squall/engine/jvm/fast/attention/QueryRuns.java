package dev.squall.engine.jvm.fast.attention;

import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.attention.QueryBlocks;

/**
 * The queries of a slice of {@link QueryBlocks} rows, as maximal runs of consecutive queries of one head and one
 * sequence, head by head (so that a thread's packed keys and values of a head serve all its runs of that head).
 * The fused attention backward's rows are blocked the same way: its runs are the queries of {@code queryGradient}
 * and the keys of {@code keyValueGradient}.
 */
final class QueryRuns {
    private QueryRuns() {
    }

    /**
     * A run: queries (tokens) {@code [i0, i1)} of head {@code h}, in sequence {@code b} of tokens
     * {@code [start, end)}.
     */
    @FunctionalInterface
    interface Run {
        void run(int h, int b, int start, int end, int i0, int i1);
    }

    /** Calls {@code run} for each run of rows {@code [rowOffset, rowOffset + rowCount)}. */
    static void forEach(int[] seqStart, int heads, int rowOffset, int rowCount, Run run) {
        if (rowCount <= 0) {
            return;
        }
        int firstBlock = rowOffset / heads;
        int lastBlock = (rowOffset + rowCount - 1) / heads;
        for (int h = 0; h < heads; h++) {
            // Query blocks of head h in this slice: rows blk·heads + h within [rowOffset, rowOffset + rowCount).
            int blk = rowOffset <= firstBlock * heads + h ? firstBlock : firstBlock + 1;
            int blkEnd = rowOffset + rowCount > lastBlock * heads + h ? lastBlock + 1 : lastBlock;
            int b = 0;
            int seqFirstBlock = 0;
            while (blk < blkEnd) {
                while (blk >= seqFirstBlock + FusedAttention.blocksOf(seqStart, b)) {
                    seqFirstBlock += FusedAttention.blocksOf(seqStart, b);
                    b++;
                }
                int blocks = Math.min(blkEnd - blk, seqFirstBlock + FusedAttention.blocksOf(seqStart, b) - blk);
                int i0 = seqStart[b] + (blk - seqFirstBlock) * FusedAttention.QUERY_BLOCK;
                int i1 = Math.min(i0 + blocks * FusedAttention.QUERY_BLOCK, seqStart[b + 1]);
                run.run(h, b, seqStart[b], seqStart[b + 1], i0, i1);
                blk += blocks;
            }
        }
    }
}
