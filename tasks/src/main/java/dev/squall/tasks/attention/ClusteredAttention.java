package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Content-based (clustered) attention in the style of the Routing Transformer: the keys of each
 * (sequence, head) are clustered by spherical k-means, each query is routed to the cluster whose centroid
 * is most similar to it, and attends to the keys of that cluster and to itself ({@code j ≤ i} too with
 * {@link AttentionMask#CAUSAL}).
 *
 * <h2>Clustering ({@link #kmeans}, one parallel row per (sequence, head))</h2>
 * <ol>
 *   <li>Initial centroids: cluster {@code c} of {@code C} starts at the unit vector of the key at position
 *       {@link #initialKey}: a seeded pick inside the {@code c}-th of {@code C} equal strata of the
 *       sequence (when a stratum is empty, because {@code n < C}, the position repeats and that cluster stays
 *       empty).</li>
 *   <li>{@code ITERATIONS} Lloyd steps of spherical k-means: every key goes to the centroid with the
 *       largest dot product (ties to the lower cluster; the key's length does not change the choice), then
 *       every non-empty cluster's centroid becomes the normalised mean of its members' unit vectors; an
 *       empty cluster keeps its centroid.</li>
 *   <li>Capped final assignment: in position order each key goes to its most similar cluster that has
 *       fewer than {@code cap = ceil(2n / C)} members, so no cluster holds more than twice the mean
 *       size and the attention cost per query is at most {@code cap + 1} keys.</li>
 * </ol>
 * Everything follows from the keys, {@code C}, {@code ITERATIONS} and the seed: the result is the same on
 * every run and for every split of the rows. A query is routed to the most similar non-empty cluster (by
 * dot product with the centroid, ties to the lower cluster). With the causal mask the clusters are still
 * computed from all keys of the sequence (only the attended keys are restricted to {@code j ≤ i}).
 *
 * <h2>Arrays</h2>
 * {@code centroids}: {@code [batch, heads, C, d]}. {@code clusters}: for (sequence {@code b} of {@code n}
 * tokens starting at {@code start}, head {@code h}) the region at {@link #region} holds {@code C + 1} member
 * offsets (cluster {@code c} is {@code members[starts[c] .. starts[c+1])}), then the {@code n} members
 * (positions, ascending within each cluster), then the {@code n} keys' clusters; {@link #clusterInts} is
 * its size. The pattern descriptor is {@code [FLAGS, CLUSTERS, ITERATIONS, SEED]}.
 *
 * <p>Branches test one comparison or a boolean built with {@code &} and {@code |} and loops leave only through
 * their condition: TornadoVM 5.2 compiles {@code &&}/{@code ||} conditions and extra loop exits wrongly (see
 * {@code tornado-config/README.md}).
 *
 * <p>Cost: k-means {@code O(ITERATIONS·n·C·d)}; attention {@code O(n·(C + cap)·d)}; memory
 * {@code O(n + C·d)} per (sequence, head), no {@code n × n} buffer. {@link #maskScores} is the unfused
 * form on a materialised score matrix.
 */
public final class ClusteredAttention {
    /** Descriptor index: {@link AttentionMask} flags ({@code CAUSAL} only). */
    public static final int FLAGS = 0;
    /** Descriptor index: number of clusters {@code C >= 1}. */
    public static final int CLUSTERS = 1;
    /** Descriptor index: Lloyd iterations, {@code >= 0}. */
    public static final int ITERATIONS = 2;
    /** Descriptor index: seed of the initial centroids. */
    public static final int SEED = 3;

    /** {@link #nearest} mode: every cluster is a candidate. */
    static final int ANY = 0;
    /** {@link #nearest} mode: only clusters with fewer than {@code cap} members so far. */
    static final int WITH_ROOM = 1;
    /** {@link #nearest} mode: only clusters with at least one member. */
    static final int NON_EMPTY = 2;

    private ClusteredAttention() {
    }

    /** Offset of the region of (sequence {@code b} of {@code n} tokens at {@code start}, head {@code h}) in {@code clusters}. */
    public static int region(int b, int h, int heads, int clusterCount, int start, int n) {
        return (b * heads + h) * (clusterCount + 1) + 2 * (start * heads + h * n);
    }

    /** Size of the {@code clusters} array for {@code batch} sequences of {@code tokens} tokens in all. */
    public static int clusterInts(int batch, int tokens, int heads, int clusterCount) {
        return Math.addExact(Math.multiplyExact(batch * heads, clusterCount + 1), Math.multiplyExact(2 * heads, tokens));
    }

    /** Clusters the keys of each (sequence, head): parallel row {@code b·heads + h}, see the class comment. */
    public static void kmeans(float[] k, int[] seqStart, int[] pattern, @Out float[] centroids, @Out int[] clusters,
                              int heads, int d, int ld, int kCol, int rowOffset, int rowCount) {
        int cc = pattern[CLUSTERS];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / heads;
            int h = row % heads;
            int start = seqStart[b];
            int n = seqStart[b + 1] - start;
            int starts = region(b, h, heads, cc, start, n);
            int members = starts + cc + 1;
            int assigned = members + n;
            int cBase = row * cc * d;
            int kOff = kCol + h * d;
            for (int c = 0; c < cc; c++) {
                int kBase = n == 0 ? -1 : (start + initialKey(pattern[SEED], h, c, n, cc)) * ld + kOff;
                for (int e = 0; e < d; e++) {
                    centroids[cBase + c * d + e] = kBase < 0 ? 0f : k[kBase + e];
                }
                normalise(centroids, cBase + c * d, d);
            }
            for (int it = 0; it < pattern[ITERATIONS]; it++) {
                for (int c = 0; c <= cc; c++) {
                    clusters[starts + c] = 0;
                }
                for (int j = 0; j < n; j++) {
                    int c = nearest(k, (start + j) * ld + kOff, centroids, cBase, cc, d, clusters, starts, ANY, 0);
                    clusters[assigned + j] = c;
                    clusters[starts + c] += 1;
                }
                for (int c = 0; c < cc; c++) {
                    if (clusters[starts + c] > 0) { // an empty cluster keeps its centroid
                        for (int e = 0; e < d; e++) {
                            centroids[cBase + c * d + e] = 0f;
                        }
                    }
                }
                for (int j = 0; j < n; j++) {
                    addUnit(k, (start + j) * ld + kOff, centroids, cBase + clusters[assigned + j] * d, d);
                }
                for (int c = 0; c < cc; c++) {
                    normalise(centroids, cBase + c * d, d);
                }
            }
            for (int c = 0; c <= cc; c++) {
                clusters[starts + c] = 0;
            }
            int cap = (2 * n + cc - 1) / cc;
            for (int j = 0; j < n; j++) {
                int c = nearest(k, (start + j) * ld + kOff, centroids, cBase, cc, d, clusters, starts, WITH_ROOM, cap);
                clusters[assigned + j] = c;
                clusters[starts + c] += 1;
            }
            // Counting sort by cluster: running totals are each cluster's end; walking the keys backwards and
            // decrementing leaves each cluster's start and its members in ascending position.
            int total = 0;
            for (int c = 0; c < cc; c++) {
                total += clusters[starts + c];
                clusters[starts + c] = total;
            }
            clusters[starts + cc] = n;
            for (int j = n - 1; j >= 0; j--) {
                int c = clusters[assigned + j];
                clusters[starts + c] -= 1;
                clusters[members + clusters[starts + c]] = j;
            }
        }
    }

    /** Fused clustered attention for the query blocks of the parallel rows ({@link QueryBlocks}). */
    public static void attention(float[] q, float[] k, float[] v, @Out float[] out, int[] seqStart, int[] pattern,
                                 float[] centroids, int[] clusters, int heads, int d, int ld, int kCol, int vCol,
                                 int rowOffset, int rowCount) {
        boolean causal = (pattern[FLAGS] & AttentionMask.CAUSAL) != 0;
        int cc = pattern[CLUSTERS];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int[] at = new int[QueryBlocks.SIZE];
            QueryBlocks.locate(seqStart, heads, rowOffset + r, at);
            int h = at[QueryBlocks.HEAD];
            int b = at[QueryBlocks.SEQUENCE];
            int start = at[QueryBlocks.START];
            int n = at[QueryBlocks.LENGTH];
            int starts = region(b, h, heads, cc, start, n);
            int members = starts + cc + 1;
            int[] ctx = new int[KeyStream.CTX];
            int[] keys = new int[KeyStream.TILE];
            float[] scores = new float[KeyStream.TILE];
            float[] st = new float[KeyStream.STATE];
            for (int t = at[QueryBlocks.FIRST]; t < at[QueryBlocks.END]; t++) {
                int i = t - start;
                int last = causal ? i : n - 1;
                int c = nearest(q, t * ld + h * d, centroids, (b * heads + h) * cc * d, cc, d, clusters, starts,
                        NON_EMPTY, 0);
                KeyStream.beginToken(ctx, st, out, t, h, heads, d, ld, kCol, vCol);
                for (int p = clusters[starts + c]; p < clusters[starts + c + 1]; p++) {
                    int j = clusters[members + p];
                    if (j <= last & j != i) {
                        KeyStream.add(start + j, ctx, keys, scores, st, q, k, v, out);
                    }
                }
                KeyStream.add(t, ctx, keys, scores, st, q, k, v, out);
                KeyStream.end(ctx, keys, scores, st, q, k, v, out);
            }
        }
    }

    /**
     * Unfused form on a materialised {@code [tokens·heads, maxLen]} score matrix (row {@code t·heads + h}):
     * copies each row's scores of the keys in the query's cluster and of the query itself, −∞ elsewhere.
     * Needs the {@link #kmeans} result.
     */
    public static void maskScores(float[] scores, float[] q, int[] seqStart, int[] pattern, float[] centroids,
                                  int[] clusters, @Out float[] masked, int heads, int d, int ld, int maxLen,
                                  int rowOffset, int rowCount) {
        int cc = pattern[CLUSTERS];
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            int start = seqStart[b];
            int n = seqStart[b + 1] - start;
            int starts = region(b, h, heads, cc, start, n);
            int assigned = starts + cc + 1 + n;
            int c = nearest(q, t * ld + h * d, centroids, (b * heads + h) * cc * d, cc, d, clusters, starts,
                    NON_EMPTY, 0);
            for (int j = 0; j < maxLen; j++) {
                int cluster = j < n ? clusters[assigned + j] : -1;
                boolean kept = j < n & (j == t - start | cluster == c);
                masked[row * maxLen + j] = kept ? scores[row * maxLen + j] : Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * The cluster whose centroid has the largest dot product with {@code x[xBase .. xBase+d)}, ties to the
     * lower cluster, among the candidates of {@code mode}: {@link #ANY}, {@link #WITH_ROOM} (member count
     * {@code clusters[starts + c] < cap}) or {@link #NON_EMPTY} ({@code clusters[starts + c + 1] > clusters[starts + c]}).
     */
    static int nearest(float[] x, int xBase, float[] centroids, int cBase, int clusterCount, int d, int[] clusters,
                       int starts, int mode, int cap) {
        int best = -1;
        float bestDot = 0f;
        for (int c = 0; c < clusterCount; c++) {
            boolean candidate = mode == ANY
                    | (mode == WITH_ROOM & clusters[starts + c] < cap)
                    | (mode == NON_EMPTY & clusters[starts + c + 1] > clusters[starts + c]);
            if (candidate) {
                float dot = 0f;
                for (int e = 0; e < d; e++) {
                    dot += x[xBase + e] * centroids[cBase + c * d + e];
                }
                if (best < 0 | dot > bestDot) {
                    best = c;
                    bestDot = dot;
                }
            }
        }
        return best;
    }

    /**
     * Position of the key that starts centroid {@code c}: inside the {@code c}-th of {@code clusterCount}
     * equal strata {@code [⌊c·n/C⌋, ⌊(c+1)·n/C⌋)}, at a seeded hash of (seed, head, cluster); an empty
     * stratum gives {@code min(⌊c·n/C⌋, n − 1)}.
     */
    public static int initialKey(int seed, int h, int c, int n, int clusterCount) {
        int lo = (int) ((long) c * n / clusterCount);
        int hi = (int) ((long) (c + 1) * n / clusterCount);
        if (hi <= lo) {
            return Math.min(lo, n - 1);
        }
        int x = mix(seed ^ mix(h * clusterCount + c + 1));
        return lo + ((x >> 1) & 0x7fffffff) % (hi - lo);
    }

    /**
     * A 32-bit integer hash (lowbias32: xor-shift-multiply, full avalanche). The logical shifts {@code x >>> s}
     * are written {@code (x >> s) & mask}: TornadoVM 5.2 emits {@code >>>} as OpenCL's {@code >>}, which is
     * arithmetic on an {@code int}.
     */
    public static int mix(int x) {
        int y = x ^ ((x >> 16) & 0xffff);
        y *= 0x7feb352d;
        y ^= (y >> 15) & 0x1ffff;
        y *= 0x846ca68b;
        return y ^ ((y >> 16) & 0xffff);
    }

    /** Adds the unit vector of {@code k[kBase .. kBase+d)} (nothing for a zero vector) to {@code acc[base ..]}. */
    private static void addUnit(float[] k, int kBase, float[] acc, int base, int d) {
        float sq = 0f;
        for (int e = 0; e < d; e++) {
            sq += k[kBase + e] * k[kBase + e];
        }
        if (sq > 0f) {
            float inv = 1f / (float) Math.sqrt(sq);
            for (int e = 0; e < d; e++) {
                acc[base + e] += k[kBase + e] * inv;
            }
        }
    }

    /** Scales {@code x[base .. base+d)} to unit length; a zero vector stays zero. */
    private static void normalise(float[] x, int base, int d) {
        float sq = 0f;
        for (int e = 0; e < d; e++) {
            sq += x[base + e] * x[base + e];
        }
        if (sq > 0f) {
            float inv = 1f / (float) Math.sqrt(sq);
            for (int e = 0; e < d; e++) {
                x[base + e] *= inv;
            }
        }
    }
}
