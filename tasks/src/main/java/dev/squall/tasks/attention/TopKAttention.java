package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Exact top-k attention: each query keeps only its {@code K} highest scaled scores among the keys of its
 * sequence ({@code j ≤ i} with {@link AttentionMask#CAUSAL}) and takes the softmax over those; equal scores
 * are ranked by position, the earlier key first, so the kept set is unique. {@code K ≥ n} is dense attention.
 *
 * <p>Cost: the selection needs every score, so the compute is that of dense attention, {@code O(n²·d)}
 * per sequence and head, plus {@code O(n log K)} heap work per query; the memory is not: each query
 * streams over its keys keeping a min-heap of its best {@code K} (score, key) pairs in
 * {@code topScore}/{@code topKey} ({@code [tokens·heads, K]}, the row of query {@code t}, head {@code h}
 * at {@code (t·heads + h)·K}), then folds the kept keys into an online softmax with the scores already
 * computed. Working memory is {@code O(n·K)}; no {@code n × n} buffer exists. After a run the heap rows
 * hold each query's kept keys (sequence positions, in heap order), padded with −∞ / −1 when fewer than
 * {@code K} keys exist.
 *
 * <p>The pattern descriptor is {@code [FLAGS, K]}. {@link #keepTopK} is the unfused ("naive") form on a
 * materialised score matrix, with the same selection.
 */
public final class TopKAttention {
    /** Descriptor index: {@link AttentionMask} flags ({@code CAUSAL} only). */
    public static final int FLAGS = 0;
    /** Descriptor index: keys kept per query, {@code K >= 1}. */
    public static final int K = 1;

    private TopKAttention() {
    }

    /** Fused top-k attention for the query blocks of the parallel rows ({@link QueryBlocks}). */
    public static void attention(float[] q, float[] k, float[] v, @Out float[] out, int[] seqStart, int[] pattern,
                                 @Out float[] topScore, @Out int[] topKey, int heads, int d, int ld, int kCol,
                                 int vCol, int rowOffset, int rowCount) {
        boolean causal = (pattern[FLAGS] & AttentionMask.CAUSAL) != 0;
        int kk = pattern[K];
        float scale = AttentionMask.scale(d);
        for (@Parallel int r = 0; r < rowCount; r++) {
            int[] at = new int[QueryBlocks.SIZE];
            QueryBlocks.locate(seqStart, heads, rowOffset + r, at);
            int h = at[QueryBlocks.HEAD];
            int start = at[QueryBlocks.START];
            int n = at[QueryBlocks.LENGTH];
            int[] ctx = new int[KeyStream.CTX];
            int[] keys = new int[KeyStream.TILE];
            float[] scores = new float[KeyStream.TILE];
            float[] st = new float[KeyStream.STATE];
            for (int t = at[QueryBlocks.FIRST]; t < at[QueryBlocks.END]; t++) {
                int i = t - start;
                int last = causal ? i : n - 1;
                int base = (t * heads + h) * kk;
                int qBase = t * ld + h * d;
                int size = 0;
                for (int j = 0; j <= last; j++) {
                    float s = KeyStream.score(q, qBase, k, (start + j) * ld + kCol + h * d, d, scale);
                    size = offer(topScore, topKey, base, size, kk, s, j);
                }
                pad(topScore, topKey, base, size, kk);
                KeyStream.beginToken(ctx, st, out, t, h, heads, d, ld, kCol, vCol);
                for (int e = 0; e < size; e++) {
                    KeyStream.addScored(start + topKey[base + e], topScore[base + e], ctx, keys, scores, st, v, out);
                }
                KeyStream.end(ctx, keys, scores, st, q, k, v, out);
            }
        }
    }

    /**
     * Unfused top-k on a materialised {@code [tokens·heads, maxLen]} score matrix (row {@code t·heads + h},
     * −∞ where a key is hidden or past the sequence's end): copies each row keeping its {@code K} highest
     * finite scores, −∞ elsewhere, selected exactly as {@link #attention} selects.
     */
    public static void keepTopK(float[] scores, @Out float[] masked, @Out float[] topScore, @Out int[] topKey,
                                int[] pattern, int maxLen, int rowOffset, int rowCount) {
        int kk = pattern[K];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int base = row * kk;
            int size = 0;
            for (int j = 0; j < maxLen; j++) {
                float s = scores[row * maxLen + j];
                masked[row * maxLen + j] = Float.NEGATIVE_INFINITY;
                if (s != Float.NEGATIVE_INFINITY) {
                    size = offer(topScore, topKey, base, size, kk, s, j);
                }
            }
            pad(topScore, topKey, base, size, kk);
            for (int e = 0; e < size; e++) {
                masked[row * maxLen + topKey[base + e]] = topScore[base + e];
            }
        }
    }

    /**
     * Offers key {@code j} with score {@code s} to the min-heap of {@code size} entries at {@code base}
     * (capacity {@code kk}); returns the new size. The root is the worst kept entry: lowest score, and of
     * equal scores the later key. The sifts leave their loops only through the loop condition and every
     * branch tests one comparison (TornadoVM 5.2 compiles a {@code break} or an {@code ||} condition here
     * wrongly).
     */
    public static int offer(float[] heapScore, int[] heapKey, int base, int size, int kk, float s, int j) {
        int newSize = size;
        if (size < kk) {
            int pos = size;
            heapScore[base + pos] = s;
            heapKey[base + pos] = j;
            boolean up = pos > 0;
            while (up) {
                int parent = (pos - 1) / 2;
                if (ranksBelow(heapScore[base + pos], heapKey[base + pos], heapScore[base + parent],
                        heapKey[base + parent])) {
                    swap(heapScore, heapKey, base + pos, base + parent);
                    pos = parent;
                    up = pos > 0;
                } else {
                    up = false;
                }
            }
            newSize = size + 1;
        } else if (ranksBelow(heapScore[base], heapKey[base], s, j)) {
            heapScore[base] = s;
            heapKey[base] = j;
            int pos = 0;
            boolean down = true;
            while (down) {
                int worst = pos;
                int left = 2 * pos + 1;
                int right = left + 1;
                if (left < size) {
                    worst = ranksBelow(heapScore[base + left], heapKey[base + left], heapScore[base + worst],
                            heapKey[base + worst]) ? left : worst;
                }
                if (right < size) {
                    worst = ranksBelow(heapScore[base + right], heapKey[base + right], heapScore[base + worst],
                            heapKey[base + worst]) ? right : worst;
                }
                if (worst != pos) {
                    swap(heapScore, heapKey, base + pos, base + worst);
                    pos = worst;
                } else {
                    down = false;
                }
            }
        }
        return newSize;
    }

    /**
     * Whether (score {@code sa}, key {@code ka}) ranks below ({@code sb}, {@code kb}): a lower score, or an equal
     * score and a later key. Computed with {@code |} and {@code &}, not {@code ||} and {@code &&}.
     */
    static boolean ranksBelow(float sa, int ka, float sb, int kb) {
        return sa < sb | (sa == sb & ka > kb);
    }

    private static void swap(float[] heapScore, int[] heapKey, int a, int b) {
        float s = heapScore[a];
        heapScore[a] = heapScore[b];
        heapScore[b] = s;
        int j = heapKey[a];
        heapKey[a] = heapKey[b];
        heapKey[b] = j;
    }

    /** Marks heap slots {@code size .. kk} of the row at {@code base} empty (−∞, key −1). */
    private static void pad(float[] heapScore, int[] heapKey, int base, int size, int kk) {
        for (int e = size; e < kk; e++) {
            heapScore[base + e] = Float.NEGATIVE_INFINITY;
            heapKey[base + e] = -1;
        }
    }
}
