package dev.squall.engine.jvm.fast.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.AttentionReference;
import dev.squall.tasks.attention.ClusteredAttention;
import dev.squall.tasks.attention.KmeansResult;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ClusteredAttentionVector}: its clustering is the plain kernel's, bit for bit (centroids and lists, any row
 * split), and its attention matches float64 dense attention restricted to each query's cluster plus itself (within
 * {@code 1e-5}) and the plain kernel (within {@code 2e-5}), causal or not, on every
 * {@link AttentionCase#awkwardShapes()} shape and on sequences longer than a key tile and a query group, with
 * clusters from 1 to more than keys; rows split at random give identical bits.
 */
class ClusteredAttentionVectorTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void clustersAreThePlainKernelsAndAttentionMatches(boolean causal) {
        List<AttentionCase.Shape> shapes = new ArrayList<>(AttentionCase.awkwardShapes());
        shapes.add(new AttentionCase.Shape(new int[] {300, 70}, 2, 64));
        for (AttentionCase.Shape s : shapes) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, rnd.chance(0.5));
            int clusters = new int[] {1, 2, 3, 7, 150}[rnd.nextInt(0, 4)];
            int[] pattern = {causal ? AttentionMask.CAUSAL : 0, clusters, rnd.nextInt(0, 3), rnd.nextInt(-1000, 1000)};
            Subject subject = Subject.of("ClusteredAttentionVector", c.describe() + " " + Arrays.toString(pattern),
                    rnd.seed()).rowsOf(c.heads() * c.d());
            KmeansResult plain = KmeansResult.run(c, pattern, rnd);
            KmeansResult fast = KmeansResult.run(c, pattern, rnd, ClusteredAttentionVector::kmeans);
            BitExact.assertIdentical(subject.with("centroids vs plain"), plain.centroids, fast.centroids);
            assertArrayEquals(plain.clusters, fast.clusters, subject + ": cluster lists vs plain");

            int rows = QueryBlocks.rows(c.seqStart(), c.batch(), c.heads());
            float[] out = new float[c.outputSize()];
            RowSlices.run(subject, rnd, rows, (off, cnt) -> ClusteredAttentionVector.attention(c.q(), c.k(), c.v(), out,
                    c.seqStart(), pattern, fast.centroids, fast.clusters, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(),
                    off, cnt), out);
            float[] plainOut = new float[out.length];
            ClusteredAttention.attention(c.q(), c.k(), c.v(), plainOut, c.seqStart(), pattern, plain.centroids,
                    plain.clusters, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), 0, rows);
            AttentionReference ref = AttentionReference.of(c,
                    (b, h, i, j) -> i == j || plain.assigned(c, b, h)[j] == plain.route(c, b, h, i));
            Tolerance.FP32.assertClose(subject.with("vs float64"), out, ref.out(), ref.outScale());
            double[] plainD = new double[plainOut.length];
            for (int e = 0; e < plainOut.length; e++) {
                plainD[e] = plainOut[e];
            }
            Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), out, plainD, ref.outScale());
        }
    }
}
