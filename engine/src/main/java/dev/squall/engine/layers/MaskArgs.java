package dev.squall.engine.layers;

import dev.squall.tasks.attention.AttentionMask;

/**
 * The mask arguments of an attention kernel call: the mask array and its {@link AttentionMask} flags.
 *
 * @param array the mask array ({@link NoMask#ARRAY} when no flag needs one)
 * @param flags {@link AttentionMask} flags
 */
record MaskArgs(float[] array, int flags) {

    /**
     * Causal or not, plus the {@link AttentionMask#KEY_PADDING} mask {@code keyPadding} (one value per token
     * of {@code seqs}) unless it is null.
     */
    static MaskArgs of(boolean causal, float[] keyPadding, Sequences seqs) {
        int flags = causal ? AttentionMask.CAUSAL : 0;
        if (keyPadding == null) {
            return new MaskArgs(NoMask.ARRAY, flags);
        }
        if (keyPadding.length != seqs.tokens()) {
            throw new IllegalArgumentException("the key-padding mask has " + keyPadding.length + " values for "
                    + seqs.tokens() + " tokens");
        }
        return new MaskArgs(keyPadding, flags | AttentionMask.KEY_PADDING);
    }
}
