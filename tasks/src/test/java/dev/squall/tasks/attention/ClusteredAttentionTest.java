package dev.squall.tasks.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ClusteredAttention}. On keys drawn around a few well-separated directions, a float64 spherical
 * k-means written here from the documented algorithm (strata-seeded start, Lloyd steps, capped final
 * assignment in position order, routing of queries to the most similar non-empty cluster) must give the
 * kernel's exact clusters, and the output must be float64 dense attention restricted to the query's
 * cluster plus itself. On random keys (where fp32 and float64 may split near-ties differently) the kernel's
 * clusters must be a valid result of the same rules — a CSR partition, ascending members, sizes within the
 * cap, each key in its most similar cluster with room at its turn — and attention must match the dense
 * reference on those clusters; {@link ClusteredAttention#maskScores} keeps the same keys.
 */
class ClusteredAttentionTest {
    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void randomKeysGiveValidClustersAndMatchingAttention(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5));
            int clusters = new int[] {1, 2, 3, 7, 150}[rnd.nextInt(0, 4)];
            int iterations = rnd.nextInt(0, 3);
            int[] pattern = {PatternCheck.flags(causal), clusters, iterations, rnd.nextInt(-1000, 1000)};
            Kmeans km = Kmeans.run(c, pattern, rnd);
            km.checkStructure(c);
            checkAttention(c, rnd, pattern, km);
        }
    }

    @Test
    void separatedKeysGiveTheFloat64Clusters() {
        for (boolean causal : new boolean[] {false, true}) {
            for (int clusters : new int[] {1, 4, 6}) {
                RandomArrays rnd = RandomArrays.fresh();
                AttentionCase c = separated(rnd, new int[] {97, 40}, 2, 16, clusters, causal);
                int[] pattern = {PatternCheck.flags(causal), clusters, 3, rnd.nextInt(-1000, 1000)};
                Kmeans km = Kmeans.run(c, pattern, rnd);
                km.checkStructure(c);
                Float64Kmeans ref = new Float64Kmeans(c, pattern);
                for (int b = 0; b < c.batch(); b++) {
                    for (int h = 0; h < c.heads(); h++) {
                        assertArrayEquals(ref.assigned[b][h], km.assigned(c, b, h),
                                "clusters of sequence " + b + " head " + h + " seed " + rnd.seed());
                    }
                }
                PatternCheck.check(PatternCheck.subject("ClusteredAttention.attention", Arrays.toString(pattern), c, rnd),
                        c, rnd, PatternCheck.blockRows(c),
                        (out, off, cnt) -> ClusteredAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern,
                                km.centroids, km.clusters, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                        (b, h, i, j) -> i == j || ref.assigned[b][h][j] == ref.route(b, h, i));
            }
        }
    }

    /** More clusters than keys: some stay empty; queries are routed to non-empty ones and always see themselves. */
    @Test
    void emptyClustersAndSingleTokens() {
        for (boolean causal : new boolean[] {false, true}) {
            for (int[] lengths : new int[][] {{1}, {3, 1, 0, 2}}) {
                RandomArrays rnd = RandomArrays.fresh();
                AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(lengths, 2, 8), PatternCheck.flags(causal), false);
                int[] pattern = {PatternCheck.flags(causal), 9, 2, 5};
                Kmeans km = Kmeans.run(c, pattern, rnd);
                km.checkStructure(c);
                checkAttention(c, rnd, pattern, km);
            }
        }
    }

    private static void checkAttention(AttentionCase c, RandomArrays rnd, int[] pattern, Kmeans km) {
        Subject subject = PatternCheck.subject("ClusteredAttention.attention", Arrays.toString(pattern), c, rnd);
        PatternCheck.check(subject, c, rnd, PatternCheck.blockRows(c),
                (out, off, cnt) -> ClusteredAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern,
                        km.centroids, km.clusters, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                (b, h, i, j) -> i == j || km.assigned(c, b, h)[j] == km.route(c, b, h, i));

        float[] scores = PatternCheck.denseScores(c);
        float[] masked = new float[scores.length];
        RowSlices.run(subject.with("maskScores"), rnd, c.queryRows(), (off, cnt) -> ClusteredAttention.maskScores(scores,
                c.q(), c.seqStart(), pattern, km.centroids, km.clusters, masked, c.heads(), c.d(), c.ld(), c.maxLen(),
                off, cnt), masked);
        for (int b = 0; b < c.batch(); b++) {
            for (int h = 0; h < c.heads(); h++) {
                int[] assigned = km.assigned(c, b, h);
                for (int i = 0; i < c.lengths()[b]; i++) {
                    int row = (c.seqStart()[b] + i) * c.heads() + h;
                    int cluster = km.route(c, b, h, i);
                    for (int j = 0; j < c.maxLen(); j++) {
                        boolean kept = j < c.lengths()[b] && (i == j || assigned[j] == cluster);
                        assertEquals(kept ? scores[row * c.maxLen() + j] : Float.NEGATIVE_INFINITY,
                                masked[row * c.maxLen() + j], subject + ": maskScores row " + row + " key " + j);
                    }
                }
            }
        }
    }

    /**
     * Keys and queries near {@code directions} random directions (noise 1%): the keys of stratum {@code c} of
     * each sequence (the {@code c}-th of {@code directions} equal runs of positions, where centroid {@code c}
     * starts) near direction {@code c}, the queries near a random one, so that no cluster decision is a
     * near-tie that fp32 and float64 could settle differently.
     */
    private static AttentionCase separated(RandomArrays rnd, int[] lengths, int heads, int d, int directions,
                                           boolean causal) {
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(lengths, heads, d), PatternCheck.flags(causal), false);
        float[][] dirs = new float[directions][];
        for (int e = 0; e < directions; e++) {
            dirs[e] = rnd.gaussian(d);
        }
        for (int b = 0; b < c.batch(); b++) {
            int n = c.lengths()[b];
            for (int j = 0; j < n; j++) {
                for (int h = 0; h < heads; h++) {
                    int t = c.seqStart()[b] + j;
                    place(c.k(), t * heads * d + h * d, dirs[stratum(j, n, directions)], rnd);
                    place(c.q(), t * heads * d + h * d, dirs[rnd.nextInt(0, directions - 1)], rnd);
                }
            }
        }
        return c;
    }

    /**
     * The stratum {@code c} with {@code ⌊c·n/C⌋ <= j < ⌊(c+1)·n/C⌋}, as {@link ClusteredAttention#initialKey}
     * draws them: keys of one direction per stratum, so every initial centroid starts in its own direction.
     */
    private static int stratum(int j, int n, int strata) {
        int c = 0;
        while (c + 1 < strata && (long) (c + 1) * n / strata <= j) {
            c++;
        }
        return c;
    }

    private static void place(float[] x, int base, float[] dir, RandomArrays rnd) {
        double scale = rnd.nextDouble(0.5, 2);
        for (int e = 0; e < dir.length; e++) {
            x[base + e] = (float) (scale * (dir[e] + 0.01 * rnd.nextDouble(-1, 1)));
        }
    }

    /** All keys of a sequence alike: Lloyd puts them in one cluster, the cap spreads them over several. */
    @Test
    void capSpreadsOneDirectionOverSeveralClusters() {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {40, 9}, 1, 8), 0, false);
        for (int t = 0; t < c.tokens(); t++) {
            place(c.k(), t * 8, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, rnd);
        }
        int[] pattern = {0, 4, 2, 11};
        Kmeans km = Kmeans.run(c, pattern, rnd);
        km.checkStructure(c);
        assertTrue(Arrays.stream(km.assigned(c, 0, 0)).distinct().count() >= 2, "the cap of 20 must spread 40 keys");
        checkAttention(c, rnd, pattern, km);
    }

    /** The kernel's clustering of a case, with (cached) views of its regions. */
    private static final class Kmeans {
        final int[] pattern;
        final float[] centroids;
        final int[] clusters;
        private final java.util.Map<Long, int[]> assignedCache = new java.util.HashMap<>();
        private final java.util.Map<Long, Integer> routeCache = new java.util.HashMap<>();

        Kmeans(int[] pattern, float[] centroids, int[] clusters) {
            this.pattern = pattern;
            this.centroids = centroids;
            this.clusters = clusters;
        }

        static Kmeans run(AttentionCase c, int[] pattern, RandomArrays rnd) {
            int cc = pattern[ClusteredAttention.CLUSTERS];
            float[] centroids = new float[c.batch() * c.heads() * cc * c.d()];
            int[] clusters = new int[ClusteredAttention.clusterInts(c.batch(), c.tokens(), c.heads(), cc)];
            Subject subject = PatternCheck.subject("ClusteredAttention.kmeans", Arrays.toString(pattern), c, rnd);
            int rows = c.batch() * c.heads();
            RowSlices.run(subject, rnd, rows, (off, cnt) -> ClusteredAttention.kmeans(c.k(), c.seqStart(), pattern,
                    centroids, clusters, c.heads(), c.d(), c.ld(), c.kCol(), off, cnt), centroids);
            int[] again = new int[clusters.length];
            float[] centroidsAgain = new float[centroids.length];
            for (int[] slice : RowSlices.slices(rows, rnd)) {
                ClusteredAttention.kmeans(c.k(), c.seqStart(), pattern, centroidsAgain, again, c.heads(), c.d(), c.ld(),
                        c.kCol(), slice[0], slice[1]);
            }
            assertArrayEquals(clusters, again, subject + ": clusters differ between row splits");
            BitExact.assertIdentical(subject.with("centroids, second run"), centroids, centroidsAgain);
            return new Kmeans(pattern, centroids, clusters);
        }

        int count() {
            return pattern[ClusteredAttention.CLUSTERS];
        }

        int starts(AttentionCase c, int b, int h) {
            return (b * c.heads() + h) * (count() + 1) + 2 * (c.seqStart()[b] * c.heads() + h * c.lengths()[b]);
        }

        int[] assigned(AttentionCase c, int b, int h) {
            return assignedCache.computeIfAbsent((long) b << 32 | h, key -> {
                int from = starts(c, b, h) + count() + 1 + c.lengths()[b];
                return Arrays.copyOfRange(clusters, from, from + c.lengths()[b]);
            });
        }

        float[] centroid(AttentionCase c, int b, int h, int cluster) {
            int from = ((b * c.heads() + h) * count() + cluster) * c.d();
            return Arrays.copyOfRange(centroids, from, from + c.d());
        }

        /** The query's cluster by the documented rule, in fp32 (the kernel's rounding) so that near-ties agree. */
        int route(AttentionCase c, int b, int h, int i) {
            return routeCache.computeIfAbsent(((long) b << 20 | h) << 24 | i, key -> computeRoute(c, b, h, i));
        }

        private int computeRoute(AttentionCase c, int b, int h, int i) {
            int n = c.lengths()[b];
            int[] assigned = assigned(c, b, h);
            int best = -1;
            float bestDot = 0;
            for (int cl = 0; cl < count(); cl++) {
                final int cluster = cl;
                if (Arrays.stream(assigned).noneMatch(a -> a == cluster) || n == 0) {
                    continue;
                }
                float dot = 0;
                float[] mu = centroid(c, b, h, cl);
                for (int e = 0; e < c.d(); e++) {
                    dot += c.q()[(c.seqStart()[b] + i) * c.ld() + h * c.d() + e] * mu[e];
                }
                if (best < 0 || dot > bestDot) {
                    best = cl;
                    bestDot = dot;
                }
            }
            return best;
        }

        /** CSR layout, members, cap, unit centroids, and the capped assignment rule (within fp32 rounding). */
        void checkStructure(AttentionCase c) {
            for (int b = 0; b < c.batch(); b++) {
                int n = c.lengths()[b];
                int cap = (2 * n + count() - 1) / count();
                for (int h = 0; h < c.heads(); h++) {
                    String where = "sequence " + b + " head " + h + " pattern " + Arrays.toString(pattern);
                    int s = starts(c, b, h);
                    int[] assigned = assigned(c, b, h);
                    assertEquals(0, clusters[s], where);
                    assertEquals(n, clusters[s + count()], where);
                    boolean[] seen = new boolean[n];
                    for (int cl = 0; cl < count(); cl++) {
                        assertTrue(clusters[s + cl + 1] - clusters[s + cl] <= cap, where + ": cluster " + cl + " over the cap");
                        for (int p = clusters[s + cl]; p < clusters[s + cl + 1]; p++) {
                            int j = clusters[s + count() + 1 + p];
                            assertEquals(cl, assigned[j], where + ": member " + j);
                            assertTrue(!seen[j], where + ": key " + j + " twice");
                            seen[j] = true;
                            assertTrue(p == clusters[s + cl] || clusters[s + count() + p] < j, where + ": members not ascending");
                        }
                        float[] mu = centroid(c, b, h, cl);
                        double norm = Math.sqrt(dot(mu, mu));
                        assertTrue(norm == 0 || Math.abs(norm - 1) < 1e-5, where + ": centroid norm " + norm);
                    }
                    int[] size = new int[count()];
                    for (int j = 0; j < n; j++) {
                        float[] key = Arrays.copyOfRange(c.k(), (c.seqStart()[b] + j) * c.ld() + c.kCol() + h * c.d(),
                                (c.seqStart()[b] + j) * c.ld() + c.kCol() + (h + 1) * c.d());
                        double chosen = dot(key, centroid(c, b, h, assigned[j]));
                        assertTrue(size[assigned[j]] < cap, where + ": key " + j + " joined a full cluster");
                        for (int cl = 0; cl < count(); cl++) {
                            double other = dot(key, centroid(c, b, h, cl));
                            assertTrue(size[cl] >= cap || other <= chosen + 1e-5 * (1 + Math.sqrt(dot(key, key))),
                                    where + ": key " + j + " in cluster " + assigned[j] + " but cluster " + cl + " with room is closer");
                        }
                        size[assigned[j]]++;
                    }
                }
            }
        }
    }

    /** The documented clustering in float64. */
    private static final class Float64Kmeans {
        final int[][][] assigned;
        final double[][][][] centroids;
        private final AttentionCase c;

        Float64Kmeans(AttentionCase c, int[] pattern) {
            this.c = c;
            int cc = pattern[ClusteredAttention.CLUSTERS];
            assigned = new int[c.batch()][c.heads()][];
            centroids = new double[c.batch()][c.heads()][][];
            for (int b = 0; b < c.batch(); b++) {
                int n = c.lengths()[b];
                for (int h = 0; h < c.heads(); h++) {
                    double[][] unit = new double[n][];
                    for (int j = 0; j < n; j++) {
                        unit[j] = unit(vector(c.k(), c.seqStart()[b] + j, c.kCol(), h));
                    }
                    double[][] mu = new double[cc][];
                    for (int cl = 0; cl < cc; cl++) {
                        mu[cl] = unit[initialKey(pattern[ClusteredAttention.SEED], h, cl, n, cc)].clone();
                    }
                    for (int it = 0; it < pattern[ClusteredAttention.ITERATIONS]; it++) {
                        double[][] sum = new double[cc][c.d()];
                        int[] count = new int[cc];
                        for (int j = 0; j < n; j++) {
                            int cl = nearest(unit[j], mu, cl2 -> true);
                            count[cl]++;
                            for (int e = 0; e < c.d(); e++) {
                                sum[cl][e] += unit[j][e];
                            }
                        }
                        for (int cl = 0; cl < cc; cl++) {
                            if (count[cl] > 0) {
                                mu[cl] = unit(sum[cl]);
                            }
                        }
                    }
                    int cap = (2 * n + cc - 1) / cc;
                    int[] size = new int[cc];
                    int[] a = new int[n];
                    for (int j = 0; j < n; j++) {
                        a[j] = nearest(unit[j], mu, cl -> size[cl] < cap);
                        size[a[j]]++;
                    }
                    assigned[b][h] = a;
                    centroids[b][h] = mu;
                }
            }
        }

        int route(int b, int h, int i) {
            int[] a = assigned[b][h];
            return nearest(vector(c.q(), c.seqStart()[b] + i, 0, h), centroids[b][h],
                    cl -> Arrays.stream(a).anyMatch(x -> x == cl));
        }

        private double[] vector(float[] x, int t, int col, int h) {
            double[] out = new double[c.d()];
            for (int e = 0; e < c.d(); e++) {
                out[e] = x[t * c.ld() + col + h * c.d() + e];
            }
            return out;
        }

        private static int nearest(double[] x, double[][] mu, java.util.function.IntPredicate candidate) {
            int best = -1;
            double bestDot = 0;
            for (int cl = 0; cl < mu.length; cl++) {
                double dot = 0;
                for (int e = 0; e < x.length; e++) {
                    dot += x[e] * mu[cl][e];
                }
                if (candidate.test(cl) && (best < 0 || dot > bestDot)) {
                    best = cl;
                    bestDot = dot;
                }
            }
            return best;
        }

        private static double[] unit(double[] x) {
            double norm = Math.sqrt(Arrays.stream(x).map(v -> v * v).sum());
            return norm == 0 ? x.clone() : Arrays.stream(x).map(v -> v / norm).toArray();
        }

        /** The documented start: a lowbias32 hash of (seed, head, cluster) inside the cluster's stratum. */
        private static int initialKey(int seed, int h, int cl, int n, int cc) {
            int lo = (int) ((long) cl * n / cc);
            int hi = (int) ((long) (cl + 1) * n / cc);
            return hi <= lo ? Math.min(lo, n - 1) : lo + (lowbias32(seed ^ lowbias32(h * cc + cl + 1)) >>> 1) % (hi - lo);
        }

        private static int lowbias32(int x) {
            x ^= x >>> 16;
            x *= 0x7feb352d;
            x ^= x >>> 15;
            x *= 0x846ca68b;
            return x ^ (x >>> 16);
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int e = 0; e < a.length; e++) {
            s += (double) a[e] * b[e];
        }
        return s;
    }
}
