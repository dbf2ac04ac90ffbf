package dev.squall.engine.model;

import dev.squall.engine.graph.Profile;

/**
 * What {@link GptModel#generate} produced and how fast.
 *
 * @param tokens        the new tokens (the prompt excluded)
 * @param promptTokens  tokens prefilled (the prompt, cropped to the block size)
 * @param prefillNanos  time of the prefill (one forward over the prompt, filling the KV cache)
 * @param decodeNanos   time of everything after it: one decode step per token after the first, and any context
 *                      shift (a new prefill when the block size is reached)
 * @param contextShifts how many times the context was full and re-prefilled from its second half
 * @param prefill       the profile of the (first) prefill
 * @param lastStep      the profile of the last decode step, null when there was none
 */
public record Generation(int[] tokens, int promptTokens, long prefillNanos, long decodeNanos, int contextShifts,
                         Profile prefill, Profile lastStep) {
    /** Prompt tokens per second of the prefill. */
    public double prefillTokensPerSecond() {
        return promptTokens * 1e9 / Math.max(1, prefillNanos);
    }

    /** Generated tokens per second after the first (which the prefill's logits give). */
    public double decodeTokensPerSecond() {
        return Math.max(0, tokens.length - 1) * 1e9 / Math.max(1, decodeNanos);
    }
}
