package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Causal attention of a decoder over a key/value cache, for generation one token (or a few) at a time. The
 * caches hold the keys and values of one sequence, token-major like a K or V projection: the vector of the
 * token at position {@code p} for head {@code h} is at {@code p·heads·d + h·d}. The new tokens of a step sit at
 * absolute positions {@code position[0] + t}, {@code t = 0 .. n−1}; {@code position} is an array, not a scalar,
 * so that one graph serves every step (its tasks' scalars are fixed when it is built). The caller keeps
 * {@code position[0] + n} within the caches' capacity.
 *
 * <p>A step first {@link #append}s the new keys and values, then runs {@link #attention}: query {@code t} sees
 * the cached keys {@code max(0, P − window) .. P}, {@code P = position[0] + t} (the new tokens' own keys
 * included, later ones not), through {@link KeyStream}'s online softmax. {@code window} is the radius of a
 * {@code local:W} pattern, or the capacity for dense attention.
 */
public final class CachedAttention {
    private CachedAttention() {
    }

    /**
     * Copies the keys and values of the {@code n} new tokens from their projection ({@code K} of token
     * {@code t}, head {@code h} at {@code t·ld + kCol + h·d}, {@code V} at {@code vCol}) into the caches at
     * positions {@code position[0] + t}; parallel rows are the {@code n·heads} pairs {@code (t, h)}.
     */
    public static void append(float[] kv, @Out float[] kCache, @Out float[] vCache, int[] position, int heads, int d,
                              int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int src = t * ld + h * d;
            int dst = ((position[0] + t) * heads + h) * d;
            for (int c = 0; c < d; c++) {
                kCache[dst + c] = kv[src + kCol + c];
                vCache[dst + c] = kv[src + vCol + c];
            }
        }
    }

    /**
     * {@code out[t, h, :] = Σ_j softmax_j(q_t·k_j/√d)·v_j} over the visible cached keys {@code j} (see the class
     * comment); queries at {@code q[t·ld + h·d ..]}, output token-major with stride {@code heads·d}. Parallel rows
     * are the {@code n·heads} pairs {@code (t, h)}.
     */
    public static void attention(float[] q, float[] kCache, float[] vCache, @Out float[] out, int[] position,
                                 int heads, int d, int ld, int window, int rowOffset, int rowCount) {
        float scale = AttentionMask.scale(d);
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int last = position[0] + t;
            int[] ctx = new int[KeyStream.CTX];
            int[] keys = new int[KeyStream.TILE];
            float[] scores = new float[KeyStream.TILE];
            float[] st = new float[KeyStream.STATE];
            KeyStream.begin(ctx, st, out, t * ld + h * d, row * d, heads * d, h * d, h * d, d, scale);
            for (int j = Math.max(0, last - window); j <= last; j++) {
                KeyStream.add(j, ctx, keys, scores, st, q, kCache, vCache, out);
            }
            KeyStream.end(ctx, keys, scores, st, q, kCache, vCache, out);
        }
    }
}
