package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.ClusteredAttention;
import dev.squall.tasks.attention.QueryBlocks;

/**
 * {@code cluster:C:ITERS:SEED}: Routing-Transformer-style content-based attention. The keys of each
 * (sequence, head) are clustered by spherical k-means ({@code C} clusters, {@code ITERS} Lloyd steps from a
 * seeded start), every cluster capped at {@code ceil(2n / C)} keys; each query attends to the keys of the
 * cluster whose centroid is most similar to it, and to itself. Everything is computed by kernels, per
 * (sequence, head): {@link ClusteredAttention#kmeans} then {@link ClusteredAttention#attention}; the
 * unfused form masks the materialised scores with the same clusters.
 *
 * @param clusters   clusters {@code C >= 1}
 * @param iterations Lloyd steps, {@code >= 0}
 * @param seed       seed of the initial centroids
 */
public record ClusterPattern(int clusters, int iterations, int seed) implements MaskPattern {

    /** Checks the parameters. */
    public ClusterPattern {
        PatternParser.require(clusters >= 1, "cluster", "C (clusters) must be >= 1, got " + clusters);
        PatternParser.require(iterations >= 0, "cluster", "ITERS (k-means iterations) must be >= 0, got " + iterations);
    }

    @Override
    public String spec() {
        return "cluster:" + clusters + ":" + iterations + ":" + seed;
    }

    @Override
    public void check(Sequences seqs, int heads) {
        PatternParser.require((long) seqs.batch() * heads * clusters * (long) Math.max(1, seqs.maxLen())
                <= Integer.MAX_VALUE - 8, "cluster", "C=" + clusters + " clusters are too many for this batch");
    }

    /** The k-means result arrays: {@code [batch, heads, C, d]} centroids and the cluster lists. */
    private record Kmeans(float[] centroids, int[] lists) {
    }

    /** Adds the k-means task. */
    private Kmeans addKmeans(TaskGraph g, String name, int[] pattern, QkvLayout qkv, Sequences seqs, int heads,
                               int headDim) {
        float[] centroids = new float[Math.multiplyExact(seqs.batch() * heads * clusters, headDim)];
        int[] lists = new int[ClusteredAttention.clusterInts(seqs.batch(), seqs.tokens(), heads, clusters)];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqs.starts(), pattern);
        g.task(name + ".kmeans", seqs.batch() * heads, ClusteredAttention::kmeans, qkv.k(), seqs.starts(), pattern,
                centroids, lists, heads, headDim, qkv.ld(), qkv.kCol());
        return new Kmeans(centroids, lists);
    }

    private int[] descriptor(boolean causal) {
        return new int[] {causal ? AttentionMask.CAUSAL : 0, clusters, iterations, seed};
    }

    @Override
    public void addFused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                         boolean causal) {
        int[] pattern = descriptor(causal);
        Kmeans km = addKmeans(g, name, pattern, qkv, seqs, heads, headDim);
        g.task(name, QueryBlocks.rows(seqs.starts(), seqs.batch(), heads), ClusteredAttention::attention, qkv.q(),
                qkv.k(), qkv.v(), out, seqs.starts(), pattern, km.centroids(), km.lists(), heads, headDim, qkv.ld(),
                qkv.kCol(), qkv.vCol());
    }

    @Override
    public float[] addMaskedScores(TaskGraph g, String name, QkvLayout qkv, Sequences seqs, int heads, int headDim,
                                   boolean causal) {
        int[] pattern = descriptor(causal);
        Kmeans km = addKmeans(g, name, pattern, qkv, seqs, heads, headDim);
        float[] scores = NaiveAttention.scores(g, name, qkv, seqs, heads, headDim, causal);
        float[] masked = new float[scores.length];
        g.task(name + ".mask", seqs.tokens() * heads, ClusteredAttention::maskScores, scores, qkv.q(), seqs.starts(),
                pattern, km.centroids(), km.lists(), masked, heads, headDim, qkv.ld(), seqs.maxLen());
        return masked;
    }
}
