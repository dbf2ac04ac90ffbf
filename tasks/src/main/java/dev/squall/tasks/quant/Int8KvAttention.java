package dev.squall.tasks.quant;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.precision.Rounding;

/**
 * Attention reading an int8 key/value cache directly. The cache holds one int8 vector and one fp32 scale per
 * (token, head): {@code cache[t·heads·d + h·d + c]}, {@code scales[t·heads + h]}, with
 * {@code v̂ = scale · q}, {@code scale = max_c |v_c| / 127}, {@code q = roundf(v_c / scale)} (ties away from
 * zero, computed as {@code v·(1/scale)}; an all-zero vector gets scale 0 and zeros). A quarter of the fp32
 * cache's bytes plus 4 bytes per (token, head).
 *
 * <p>Sequences, queries (token-major, stride {@code ld}, column 0), masks and the output layout follow the
 * attention package (see {@code dev.squall.tasks.attention}); keys and values come from the caches. Each
 * parallel row is one (query, head), {@code row = t·heads + h}, streaming over its keys with an online softmax:
 * O(d) working memory, keys and values dequantised on the fly, never stored in fp32.
 */
public final class Int8KvAttention {
    private Int8KvAttention() {
    }

    /**
     * Quantises the vectors of {@code src} (token {@code t}, head {@code h} at {@code t·ld + col + h·d}) into the
     * cache layout above; parallel rows are the {@code tokens·heads} (token, head) pairs.
     */
    public static void quantizeHeads(float[] src, @Out byte[] cache, @Out float[] scales, int heads, int d, int ld,
                                     int col, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            quantizeVector(src, (row / heads) * ld + col + (row % heads) * d, cache, scales, row, d);
        }
    }

    /**
     * Quantises the keys or values of a decoder step's {@code n} new tokens into the caches at positions
     * {@code position[0] + t} (the cache row of token position {@code p}, head {@code h} is {@code p·heads + h}):
     * {@link #quantizeHeads} with the rows shifted, for generation with a KV cache (see
     * {@code dev.squall.tasks.attention.CachedAttention}). Parallel rows are the {@code n·heads} pairs
     * {@code (t, h)}; the caller keeps {@code position[0] + n} within the caches' capacity.
     */
    public static void append(float[] src, @Out byte[] cache, @Out float[] scales, int[] position, int heads, int d,
                              int ld, int col, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            quantizeVector(src, t * ld + col + h * d, cache, scales, (position[0] + t) * heads + h, d);
        }
    }

    /** Quantises {@code src[from .. from + d)} into cache row {@code row} and its scale (the class comment's rule). */
    public static void quantizeVector(float[] src, int from, byte[] cache, float[] scales, int row, int d) {
        float amax = 0f;
        for (int c = 0; c < d; c++) {
            amax = Math.max(amax, Math.abs(src[from + c]));
        }
        float s = amax / 127f;
        float inv = s != 0f ? 1f / s : 0f;
        for (int c = 0; c < d; c++) {
            cache[row * d + c] = (byte) Rounding.halfAway(src[from + c] * inv);
        }
        scales[row] = s;
    }

    /**
     * {@code out[t, h, :] = Σ_j softmax_j(q·k̂_j/√d (+ mask))·v̂_j} over the visible keys {@code j} of each
     * query's sequence, k̂ and v̂ read from the int8 caches; a query that sees no key gets zeros.
     */
    public static void attention(float[] q, byte[] kCache, float[] kScales, byte[] vCache, float[] vScales,
                                 float[] mask, @Out float[] out, int[] seqStart, int heads, int d, int ld,
                                 int maskFlags, int maxLen, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int keyEnd = (maskFlags & AttentionMask.CAUSAL) != 0 ? t + 1 : seqStart[b + 1];
            attendRow(q, t * ld, kCache, kScales, vCache, vScales, mask, (t - start) * maxLen - start,
                    maskFlags & AttentionMask.ADDITIVE, out, row, heads, d, start, keyEnd);
        }
    }

    /**
     * Causal attention of a decoder step's {@code n} new queries over the int8 caches that {@link #append} fills:
     * query {@code t} (at {@code q[t·ld + h·d ..]}) sees the cached keys {@code max(0, P − window) .. P},
     * {@code P = position[0] + t}, as {@code dev.squall.tasks.attention.CachedAttention#attention} does over fp32
     * caches. Parallel rows are the {@code n·heads} pairs {@code (t, h)}; output token-major, stride
     * {@code heads·d}.
     */
    public static void cachedAttention(float[] q, byte[] kCache, float[] kScales, byte[] vCache, float[] vScales,
                                       @Out float[] out, int[] position, int heads, int d, int ld, int window,
                                       int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int last = position[0] + t;
            attendRow(q, t * ld, kCache, kScales, vCache, vScales, kScales, 0, 0, out, row, heads, d,
                    Math.max(0, last - window), last + 1);
        }
    }

    /**
     * Output {@code out[row·d ..]} of query {@code q[qRow + h·d ..]} ({@code h = row mod heads}) over the cached
     * keys {@code [keyStart, keyEnd)}, key {@code j} at cache row {@code j·heads + h}, with an online softmax;
     * when {@code additive != 0}, {@code mask[maskBase + j]} is added to key {@code j}'s score.
     */
    public static void attendRow(float[] q, int qRow, byte[] kCache, float[] kScales, byte[] vCache, float[] vScales,
                                 float[] mask, int maskBase, int additive, float[] out, int row, int heads, int d,
                                 int keyStart, int keyEnd) {
        float scale = AttentionMask.scale(d);
        int h = row % heads;
        int qBase = qRow + h * d;
        int outBase = row * d;
        for (int c = 0; c < d; c++) {
            out[outBase + c] = 0f;
        }
        float runMax = Float.NEGATIVE_INFINITY;
        float runSum = 0f;
        for (int key = keyStart; key < keyEnd; key++) {
            int kRow = key * heads + h;
            float dot = 0f;
            for (int c = 0; c < d; c++) {
                dot += q[qBase + c] * kCache[kRow * d + c];
            }
            float s = dot * kScales[kRow] * scale;
            if (additive != 0) {
                s += mask[maskBase + key];
            }
            if (s == Float.NEGATIVE_INFINITY) {
                continue;
            }
            if (s > runMax) {
                float correction = (float) Math.exp(runMax - s);
                for (int c = 0; c < d; c++) {
                    out[outBase + c] *= correction;
                }
                runSum *= correction;
                runMax = s;
            }
            float p = (float) Math.exp(s - runMax);
            runSum += p;
            float pv = p * vScales[kRow];
            for (int c = 0; c < d; c++) {
                out[outBase + c] += pv * vCache[kRow * d + c];
            }
        }
        float inv = runSum > 0f ? 1f / runSum : 0f;
        for (int c = 0; c < d; c++) {
            out[outBase + c] *= inv;
        }
    }
}
