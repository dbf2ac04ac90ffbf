package dev.squall.tasks.attention;

/**
 * The parallel rows of the per-query pattern kernels, as {@link FusedAttention} numbers them: row
 * {@code blk·heads + h} is query block {@code blk} (blocks of {@link FusedAttention#QUERY_BLOCK} queries,
 * counted over all sequences, never straddling two) of head {@code h}. Consecutive queries of one head
 * stay in one row, so a backend (or a fast path) sees neighbouring queries together.
 */
public final class QueryBlocks {
    /**
     * Indices into the array {@link #locate} fills ({@link #SIZE} ints): the row's head, the sequence of its
     * queries, that sequence's first token and length, the row's first query (a token index) and one past its
     * last.
     */
    public static final int HEAD = 0, SEQUENCE = 1, START = 2, LENGTH = 3, FIRST = 4, END = 5, SIZE = 6;

    private QueryBlocks() {
    }

    /**
     * Where parallel row {@code row} is, into {@code at} ({@link #SIZE} ints, indexed by the constants above): its
     * head, its sequence with that sequence's start and length, and its queries {@code [FIRST, END)}. The one
     * preamble of the kernels that walk query blocks.
     */
    public static void locate(int[] seqStart, int heads, int row, int[] at) {
        int blk = row / heads;
        int b = sequence(seqStart, blk);
        at[HEAD] = row % heads;
        at[SEQUENCE] = b;
        at[START] = seqStart[b];
        at[LENGTH] = seqStart[b + 1] - seqStart[b];
        at[FIRST] = firstQuery(seqStart, b, blk);
        at[END] = endQuery(seqStart, b, at[FIRST]);
    }

    /** Parallel rows for {@code batch} sequences and {@code heads} heads. */
    public static int rows(int[] seqStart, int batch, int heads) {
        return FusedAttention.rows(seqStart, batch, heads);
    }

    /** The sequence holding query block {@code blk}. */
    public static int sequence(int[] seqStart, int blk) {
        int b = 0;
        int first = 0;
        while (blk >= first + FusedAttention.blocksOf(seqStart, b)) {
            first += FusedAttention.blocksOf(seqStart, b);
            b++;
        }
        return b;
    }

    /** The first query (token index) of query block {@code blk}, which lies in sequence {@code b}. */
    public static int firstQuery(int[] seqStart, int b, int blk) {
        int first = 0;
        for (int s = 0; s < b; s++) {
            first += FusedAttention.blocksOf(seqStart, s);
        }
        return seqStart[b] + (blk - first) * FusedAttention.QUERY_BLOCK;
    }

    /** One past the last query of the block starting at {@code i0} in sequence {@code b}. */
    public static int endQuery(int[] seqStart, int b, int i0) {
        return Math.min(i0 + FusedAttention.QUERY_BLOCK, seqStart[b + 1]);
    }
}
