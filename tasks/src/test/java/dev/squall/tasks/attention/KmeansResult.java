package dev.squall.tasks.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.Arrays;

/** A k-means kernel's clustering of a case ({@link ClusteredAttention#kmeans}'s arrays), with (cached) views of its regions. */
public final class KmeansResult {
    final int[] pattern;
    public final float[] centroids;
    public final int[] clusters;
    private final java.util.Map<Long, int[]> assignedCache = new java.util.HashMap<>();
    private final java.util.Map<Long, Integer> routeCache = new java.util.HashMap<>();

    KmeansResult(int[] pattern, float[] centroids, int[] clusters) {
        this.pattern = pattern;
        this.centroids = centroids;
        this.clusters = clusters;
    }

    /** The plain kernel's clustering of {@code c}, rows split at random (bit-identical for any split). */
    public static KmeansResult run(AttentionCase c, int[] pattern, RandomArrays rnd) {
        return run(c, pattern, rnd, ClusteredAttention::kmeans);
    }

    /** A k-means kernel's signature. */
    @FunctionalInterface
    public interface Kernel {
        void kmeans(float[] k, int[] seqStart, int[] pattern, float[] centroids, int[] clusters, int heads, int d,
                    int ld, int kCol, int rowOffset, int rowCount);
    }

    /** {@code kernel}'s clustering of {@code c}, rows split at random (bit-identical for any split). */
    public static KmeansResult run(AttentionCase c, int[] pattern, RandomArrays rnd, Kernel kernel) {
        int cc = pattern[ClusteredAttention.CLUSTERS];
        float[] centroids = new float[c.batch() * c.heads() * cc * c.d()];
        int[] clusters = new int[ClusteredAttention.clusterInts(c.batch(), c.tokens(), c.heads(), cc)];
        Subject subject = PatternCheck.subject("ClusteredAttention.kmeans", Arrays.toString(pattern), c, rnd);
        int rows = c.batch() * c.heads();
        RowSlices.run(subject, rnd, rows, (off, cnt) -> kernel.kmeans(c.k(), c.seqStart(), pattern,
                centroids, clusters, c.heads(), c.d(), c.ld(), c.kCol(), off, cnt), centroids);
        int[] again = new int[clusters.length];
        float[] centroidsAgain = new float[centroids.length];
        for (int[] slice : RowSlices.slices(rows, rnd)) {
            ClusteredAttention.kmeans(c.k(), c.seqStart(), pattern, centroidsAgain, again, c.heads(), c.d(), c.ld(),
                    c.kCol(), slice[0], slice[1]);
        }
        assertArrayEquals(clusters, again, subject + ": clusters differ between row splits");
        BitExact.assertIdentical(subject.with("centroids, second run"), centroids, centroidsAgain);
        return new KmeansResult(pattern, centroids, clusters);
    }

    int count() {
        return pattern[ClusteredAttention.CLUSTERS];
    }

    int starts(AttentionCase c, int b, int h) {
        return (b * c.heads() + h) * (count() + 1) + 2 * (c.seqStart()[b] * c.heads() + h * c.lengths()[b]);
    }

    /** The cluster of each key of sequence {@code b}, head {@code h}. */
    public int[] assigned(AttentionCase c, int b, int h) {
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
    public int route(AttentionCase c, int b, int h, int i) {
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
    public void checkStructure(AttentionCase c) {
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

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int e = 0; e < a.length; e++) {
            s += (double) a[e] * b[e];
        }
        return s;
    }
}
