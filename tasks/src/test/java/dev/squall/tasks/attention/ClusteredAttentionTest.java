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
            KmeansResult km = KmeansResult.run(c, pattern, rnd);
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
                KmeansResult km = KmeansResult.run(c, pattern, rnd);
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
                KmeansResult km = KmeansResult.run(c, pattern, rnd);
                km.checkStructure(c);
                checkAttention(c, rnd, pattern, km);
            }
        }
    }

    private static void checkAttention(AttentionCase c, RandomArrays rnd, int[] pattern, KmeansResult km) {
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
        KmeansResult km = KmeansResult.run(c, pattern, rnd);
        km.checkStructure(c);
        assertTrue(Arrays.stream(km.assigned(c, 0, 0)).distinct().count() >= 2, "the cap of 20 must spread 40 keys");
        checkAttention(c, rnd, pattern, km);
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
}
