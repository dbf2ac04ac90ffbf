package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.ClusteredAttention;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ClusteredAttention} on the Vector API. The clustering gives the plain kernel's bits (so the same clusters):
 * every similarity is the plain sequential dot product (a rounding after each product and each sum), computed for
 * a vector of keys at a time from the keys transposed once per (sequence, head), and centroids are summed in key
 * order. The attention routes the queries the same way ({@link TileKernels#exactScores}), gathers the queries of
 * each cluster into groups and runs them over tiles of the cluster's members ({@link QueryGroup}: causal, the
 * members up to the query), then adds the query's own key where it is not a member; the output differs from the
 * plain kernel's by the order of the softmax sums only.
 */
@FastPathFor(ClusteredAttention.class)
public final class ClusteredAttentionVector implements FastPath {
    private static final VectorSpecies<Float> S = TileKernels.S;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    private static final int L = TileKernels.L;
    private static final int SR = TileKernels.SCORE_ROWS;
    private static final int COL = TileKernels.COLUMNS;
    private static final int KB = QueryGroup.MAX_KEYS;
    private static final int GROUP = QueryGroup.MAX_QUERIES;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public ClusteredAttentionVector() {
    }

    /** Per-thread buffers. */
    private static final class Buffers {
        /** Keys transposed, {@code [d][n]} padded to whole vectors; then their similarities {@code [C][n]}. */
        float[] keysT = new float[0];
        float[] dots = new float[0];
        /** Lengths of the keys, squared. */
        float[] squares = new float[0];
        int[] route = new int[0];
        float[] packedQ = new float[0];
        final int[] rows = new int[GROUP + COL];
        float[] tile = new float[0];

        float[] grow(float[] a, int n) {
            return a.length < n ? new float[n] : a;
        }
    }

    /** Fast {@link ClusteredAttention#kmeans}, bit for bit. */
    public static void kmeans(float[] k, int[] seqStart, int[] pattern, float[] centroids, int[] clusters, int heads,
                              int d, int ld, int kCol, int rowOffset, int rowCount) {
        int cc = pattern[ClusteredAttention.CLUSTERS];
        Buffers w = BUFFERS.get();
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int b = row / heads;
            int h = row % heads;
            int start = seqStart[b];
            int n = seqStart[b + 1] - start;
            int starts = ClusteredAttention.region(b, h, heads, cc, start, n);
            int members = starts + cc + 1;
            int assigned = members + n;
            int cBase = row * cc * d;
            int kOff = kCol + h * d;
            int np = (n + L - 1) / L * L;
            w.keysT = w.grow(w.keysT, d * np);
            w.dots = w.grow(w.dots, cc * np);
            w.squares = w.grow(w.squares, np);
            for (int j = 0; j < np; j++) {
                int src = (start + Math.min(j, Math.max(n - 1, 0))) * ld + kOff;
                for (int e = 0; e < d; e++) {
                    w.keysT[e * np + j] = n == 0 ? 0f : k[src + e];
                }
            }
            squares(w, d, np);
            for (int c = 0; c < cc; c++) {
                int kBase = n == 0 ? -1 : (start + ClusteredAttention.initialKey(pattern[ClusteredAttention.SEED], h, c, n,
                        cc)) * ld + kOff;
                for (int e = 0; e < d; e++) {
                    centroids[cBase + c * d + e] = kBase < 0 ? 0f : k[kBase + e];
                }
                normalise(centroids, cBase + c * d, d);
            }
            for (int it = 0; it < pattern[ClusteredAttention.ITERATIONS]; it++) {
                Arrays.fill(clusters, starts, starts + cc + 1, 0);
                similarities(w, centroids, cBase, cc, d, np);
                nearestOfAll(w, cc, n, np, clusters, assigned);
                for (int j = 0; j < n; j++) {
                    clusters[starts + clusters[assigned + j]] += 1;
                }
                for (int c = 0; c < cc; c++) {
                    if (clusters[starts + c] > 0) { // an empty cluster keeps its centroid
                        Arrays.fill(centroids, cBase + c * d, cBase + c * d + d, 0f);
                    }
                }
                for (int j = 0; j < n; j++) {
                    addUnit(k, (start + j) * ld + kOff, w.squares[j], centroids, cBase + clusters[assigned + j] * d, d);
                }
                for (int c = 0; c < cc; c++) {
                    normalise(centroids, cBase + c * d, d);
                }
            }
            Arrays.fill(clusters, starts, starts + cc + 1, 0);
            similarities(w, centroids, cBase, cc, d, np);
            int cap = (2 * n + cc - 1) / cc;
            for (int j = 0; j < n; j++) {
                int best = -1;
                float bestDot = 0f;
                for (int c = 0; c < cc; c++) {
                    float dot = w.dots[c * np + j];
                    if (clusters[starts + c] < cap & (best < 0 | dot > bestDot)) {
                        best = c;
                        bestDot = dot;
                    }
                }
                clusters[assigned + j] = best;
                clusters[starts + best] += 1;
            }
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

    /** {@code squares[j] = Σ_e k_je²}, in the plain order, a vector of keys at a time. */
    private static void squares(Buffers w, int d, int np) {
        for (int j = 0; j < np; j += L) {
            FloatVector sq = FloatVector.zero(S);
            for (int e = 0; e < d; e++) {
                FloatVector x = FloatVector.fromArray(S, w.keysT, e * np + j);
                sq = sq.add(x.mul(x));
            }
            sq.intoArray(w.squares, j);
        }
    }

    /** {@code dots[c·np + j] = k_j·centroid_c}, in the plain order, a vector of keys at a time. */
    private static void similarities(Buffers w, float[] centroids, int cBase, int cc, int d, int np) {
        for (int c = 0; c < cc; c++) {
            for (int j = 0; j < np; j += L) {
                FloatVector dot = FloatVector.zero(S);
                for (int e = 0; e < d; e++) {
                    dot = dot.add(FloatVector.fromArray(S, w.keysT, e * np + j).mul(centroids[cBase + c * d + e]));
                }
                dot.intoArray(w.dots, c * np + j);
            }
        }
    }

    /** Each key's most similar centroid, ties to the lower one, into {@code clusters[assigned + j]}. */
    private static void nearestOfAll(Buffers w, int cc, int n, int np, int[] clusters, int assigned) {
        for (int j = 0; j < np; j += L) {
            FloatVector best = FloatVector.fromArray(S, w.dots, j);
            IntVector which = IntVector.zero(I);
            for (int c = 1; c < cc; c++) {
                FloatVector dot = FloatVector.fromArray(S, w.dots, c * np + j);
                VectorMask<Float> better = dot.compare(VectorOperators.GT, best);
                best = best.blend(dot, better);
                which = which.blend(c, better.cast(I));
            }
            if (j + L <= n) {
                which.intoArray(clusters, assigned + j);
            } else {
                for (int lane = 0; j + lane < n; lane++) {
                    clusters[assigned + j + lane] = which.lane(lane);
                }
            }
        }
    }

    /** The plain kernel's {@code addUnit}, with the key's squared length given. */
    private static void addUnit(float[] k, int kBase, float sq, float[] acc, int base, int d) {
        if (sq > 0f) {
            float inv = 1f / (float) Math.sqrt(sq);
            int e = 0;
            for (; e + L <= d; e += L) {
                FloatVector.fromArray(S, acc, base + e).add(FloatVector.fromArray(S, k, kBase + e).mul(inv))
                        .intoArray(acc, base + e);
            }
            for (; e < d; e++) {
                acc[base + e] += k[kBase + e] * inv;
            }
        }
    }

    /** The plain kernel's {@code normalise}. */
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

    /** Fast {@link ClusteredAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int[] pattern,
                                 float[] centroids, int[] clusters, int heads, int d, int ld, int kCol, int vCol,
                                 int rowOffset, int rowCount) {
        boolean causal = (pattern[ClusteredAttention.FLAGS] & AttentionMask.CAUSAL) != 0;
        int cc = pattern[ClusteredAttention.CLUSTERS];
        int od = heads * d;
        Buffers w = BUFFERS.get();
        FusedAttentionVector.Workspace ws = FusedAttentionVector.workspace();
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, i0, i1) -> {
            int n = end - start;
            int starts = ClusteredAttention.region(b, h, heads, cc, start, n);
            int members = starts + cc + 1;
            int assigned = members + n;
            route(w, q, centroids, (b * heads + h) * cc * d, clusters, starts, cc, h, d, ld, i0, i1);
            int[] tokens = ws.tokens(n);
            QueryGroup g = ws.group;
            for (int c = 0; c < cc; c++) {
                int m0 = clusters[starts + c];
                int count = clusters[starts + c + 1] - m0;
                if (count == 0) {
                    continue; // no query is routed to an empty cluster
                }
                for (int e = 0; e < count; e++) {
                    tokens[e] = start + clusters[members + m0 + e];
                }
                KeyValuePanels kv = ws.gathered;
                boolean packed = false;
                int qn = 0;
                for (int t = i0; t < i1; t++) {
                    if (w.route[t - i0] == c) {
                        ws.sub[qn++] = t - start;
                    }
                    if (qn == GROUP || (t == i1 - 1 && qn > 0)) {
                        if (!packed) {
                            kv.selectGathered(k, v, ld, kCol + h * d, vCol + h * d, tokens, count, d);
                            packed = true;
                        }
                        group(ws, q, k, v, out, clusters, assigned, causal, c, start, count, qn, h, d, ld, od, kCol, vCol);
                        qn = 0;
                    }
                }
            }
        });
    }

    /** The queries at positions {@code ws.sub[0 .. qn)} routed to cluster {@code c}: its members, then their own key. */
    private static void group(FusedAttentionVector.Workspace ws, float[] q, float[] k, float[] v, float[] out,
                              int[] clusters, int assigned, boolean causal, int c, int start, int count, int qn, int h,
                              int d, int ld, int od, int kCol, int vCol) {
        QueryGroup g = ws.group;
        int[] sub = ws.sub;
        int[] tokens = ws.tokens;
        for (int x = 0; x < qn; x++) {
            g.rows[x] = (start + sub[x]) * ld + h * d;
        }
        g.begin(q, qn, d);
        KeyValuePanels kv = ws.gathered;
        for (int j0 = 0; j0 < count; j0 += KB) {
            int kn = Math.min(KB, count - j0);
            int seen = 0;
            for (int x = 0; x < qn; x++) {
                if (causal) {
                    while (seen < kn && tokens[j0 + seen] - start <= sub[x]) {
                        seen++;
                    }
                } else {
                    seen = kn;
                }
                g.lo[x] = 0;
                g.hi[x] = seen;
            }
            if (g.anyVisible()) {
                g.tile(kv.keys, j0 * d, d, kn, kv.values, KeyValuePanels.valueOffset(j0), kv.valueStride(), null);
            }
        }
        for (int x = 0; x < qn; x++) {
            if (clusters[assigned + sub[x]] != c) { // not a member: its own key, which it always sees, comes last
                int t = start + sub[x];
                g.foldOwnKey(x, k, t * ld + kCol + h * d, v, t * ld + vCol + h * d);
            }
        }
        for (int x = 0; x < qn; x++) {
            g.rows[x] = (start + sub[x]) * od + h * d;
        }
        g.end(out);
    }

    /**
     * {@code route[t − i0]}: the cluster of query {@code t ∈ [i0, i1)}, the non-empty one with the most similar
     * centroid (ties to the lower one), the similarities computed exactly as the plain kernel does.
     */
    private static void route(Buffers w, float[] q, float[] centroids, int cBase, int[] clusters, int starts, int cc,
                              int h, int d, int ld, int i0, int i1) {
        int qn = i1 - i0;
        if (w.route.length < qn) {
            w.route = new int[qn];
        }
        int rowsOfC = (cc + SR - 1) / SR * SR;
        w.tile = w.grow(w.tile, (rowsOfC + SR) * COL);
        w.packedQ = w.grow(w.packedQ, COL * d);
        for (int a = 0; a < qn; a += COL) {
            int cols = Math.min(COL, qn - a);
            for (int x = 0; x < COL; x++) {
                w.rows[x] = (i0 + a + Math.min(x, cols - 1)) * ld + h * d;
            }
            for (int c0 = 0; c0 < COL; c0 += L) {
                int p = 0;
                for (; p + L <= d; p += L) {
                    TileKernels.transpose(q, w.rows, c0, p, 1f, w.packedQ, c0 + p * COL);
                }
                for (; p < d; p++) {
                    for (int x = 0; x < L; x++) {
                        w.packedQ[c0 + p * COL + x] = q[w.rows[c0 + x] + p];
                    }
                }
            }
            for (int r = 0; r < cc; r += SR) {
                TileKernels.exactScores(centroids, cBase + r * d, d, cc - r, w.packedQ, 0, d, 1f, w.tile, r * COL);
            }
            for (int x = 0; x < cols; x++) {
                int best = -1;
                float bestDot = 0f;
                for (int c = 0; c < cc; c++) {
                    float dot = w.tile[c * COL + x];
                    if (clusters[starts + c + 1] > clusters[starts + c] & (best < 0 | dot > bestDot)) {
                        best = c;
                        bestDot = dot;
                    }
                }
                w.route[a + x] = best;
            }
        }
    }
}
