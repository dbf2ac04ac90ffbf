package dev.squall.engine.layers.pattern;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Which key blocks each block row of a block-sparse pattern lists, for a sequence of {@code nb} blocks.
 * Block rows and columns count from the sequence's start. Layouts are built on the host: their cost is
 * {@code O(nb)} per row, bookkeeping next to the attention itself.
 */
sealed interface BlockLayout {

    /** The key blocks of block row {@code row} of a sequence of {@code nb} blocks, ascending; with {@code causal} none after {@code row}. */
    int[] row(int row, int nb, boolean causal);

    /** Whether the layout of a shorter sequence differs from the top-left corner of a longer one's. */
    default boolean lengthDependent() {
        return false;
    }

    /** The layout's part of the pattern text, after {@code B}. */
    String spec();

    /** Keys of block rows before {@code row}'s causal limit: {@code [0, row]} when causal, else {@code [0, nb)}. */
    private static int limit(int row, int nb, boolean causal) {
        return causal ? Math.min(row + 1, nb) : nb;
    }

    /**
     * An explicit layout: block {@code (I, J)} is listed when {@code blocks[I][J]}; it covers sequences of up to
     * {@code blocks.length} blocks (shorter ones use its top-left corner).
     *
     * @param blocks square boolean matrix
     * @param source where it came from, for {@link #spec()}
     */
    record Explicit(boolean[][] blocks, String source) implements BlockLayout {
        @Override
        public int[] row(int row, int nb, boolean causal) {
            BitSet set = new BitSet();
            for (int j = 0; j < limit(row, nb, causal); j++) {
                set.set(j, blocks[row][j]);
            }
            return set.stream().toArray();
        }

        @Override
        public String spec() {
            return source;
        }
    }

    /**
     * Sparse Transformer's "fixed" pattern (Child et al. 2019) on blocks: block rows are grouped into windows
     * of {@code stride} blocks; a row lists every block of its window and the last block of every window
     * (the "summary" blocks, {@code J mod S = S − 1}), i.e. {@code A(1) ∪ A(2)} with {@code c} = one block.
     *
     * @param stride window length {@code S} in blocks
     */
    record Fixed(int stride) implements BlockLayout {
        @Override
        public int[] row(int row, int nb, boolean causal) {
            int limit = limit(row, nb, causal);
            BitSet set = new BitSet();
            int window = row / stride * stride;
            set.set(window, Math.min(window + stride, limit));
            for (int j = stride - 1; j < limit; j += stride) {
                set.set(j);
            }
            return set.stream().toArray();
        }

        @Override
        public String spec() {
            return Integer.toString(stride);
        }
    }

    /**
     * Sparse Transformer's "strided" pattern on blocks: a row lists the blocks less than {@code stride}
     * away ({@code |I − J| < S}) and every {@code S}-th block from it ({@code (I − J) mod S = 0}).
     *
     * @param stride stride {@code S} in blocks
     */
    record Strided(int stride) implements BlockLayout {
        @Override
        public int[] row(int row, int nb, boolean causal) {
            int limit = limit(row, nb, causal);
            int s = Math.min(stride, nb); // a stride of nb or more lists every block; clamped, no sum wraps around
            BitSet set = new BitSet();
            set.set(Math.max(0, row - s + 1), Math.min(row + s, limit));
            for (int j = row % s; j < limit; j += s) {
                set.set(j);
            }
            return set.stream().toArray();
        }

        @Override
        public String spec() {
            return Integer.toString(stride);
        }
    }

    /**
     * BigBird (Zaheer et al. 2020) on blocks: the first {@code globals} blocks are global (their rows list
     * every block, every row lists them), every row lists the blocks within {@code window} of it, and each
     * non-global row lists {@code random} more blocks drawn uniformly without replacement from those not
     * already listed (all of them when fewer remain; with {@code causal}, from blocks at or before the row).
     * The draw of row {@code I} uses {@code SplittableRandom(seed ^ (I · 0x9E3779B97F4A7C15))} over the
     * candidates of a sequence of {@code nb} blocks, so the layout is reproducible and defined per sequence
     * length.
     *
     * @param window  window radius {@code W} in blocks
     * @param globals global blocks {@code G}
     * @param random  random blocks per row {@code R}
     * @param seed    seed of the random blocks
     */
    record BigBird(int window, int globals, int random, long seed) implements BlockLayout {
        @Override
        public int[] row(int row, int nb, boolean causal) {
            int limit = limit(row, nb, causal);
            BitSet set = new BitSet();
            if (row < globals) {
                set.set(0, limit);
                return set.stream().toArray();
            }
            int w = Math.min(window, nb); // a window of nb blocks or more lists every block; clamped, no sum wraps
            set.set(Math.max(0, row - w), Math.min(row + w + 1, limit));
            set.set(0, Math.min(globals, limit));
            int[] free = new int[limit - set.cardinality()];
            for (int j = set.nextClearBit(0), e = 0; j < limit; j = set.nextClearBit(j + 1)) {
                free[e++] = j;
            }
            if (free.length <= random) {
                set.set(0, limit);
                return set.stream().toArray();
            }
            // Floyd's sampling of `random` distinct indices of `free`.
            SplittableRandom rnd = new SplittableRandom(seed ^ (row * 0x9E3779B97F4A7C15L));
            BitSet picked = new BitSet();
            for (int e = free.length - random; e < free.length; e++) {
                int t = rnd.nextInt(e + 1);
                picked.set(picked.get(t) ? e : t);
            }
            picked.stream().forEach(e -> set.set(free[e]));
            return set.stream().toArray();
        }

        @Override
        public boolean lengthDependent() {
            return true;
        }

        @Override
        public String spec() {
            return window + ":" + globals + ":" + random + ":" + seed;
        }
    }
}
