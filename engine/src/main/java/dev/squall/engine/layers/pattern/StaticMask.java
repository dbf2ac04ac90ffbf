package dev.squall.engine.layers.pattern;

/**
 * A mask pattern that depends on positions only (not on the data): its mask can be written down before
 * the graph runs, for the unfused form and for tests.
 */
interface StaticMask {
    /**
     * The mask for a sequence of {@code n} tokens and head {@code h}: {@code visible[i·n + j]}, the causal
     * restriction included when {@code causal}.
     */
    boolean[] mask(int n, int h, boolean causal);

    /** Whether the mask of a sequence depends on its length beyond being the top-left corner of a longer one. */
    boolean lengthDependent();

    /** Number of distinct per-head masks: head {@code h} has the mask of head {@code h mod headVariants()}. */
    int headVariants();
}
