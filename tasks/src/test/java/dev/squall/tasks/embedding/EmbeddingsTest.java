package dev.squall.tasks.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Token + position embedding and its deterministic backward against float64 sums.
 *
 * <p>Bounds: the forward is one fp32 addition, {@code 2⁻²⁴·|ref|}; its ids include both ends of each table, and
 * position tables smaller and larger than the vocabulary. The backward adds each table row's
 * gradients onto its stored value in a fixed order: {@code 1e-5 · (|initial| + Σ|terms|)} (at most 97 terms
 * here, whose rounding is below {@code 97·2⁻²⁴ ≈ 6e-6} of that scale). The index is exact: every position of
 * each table row, in ascending order.
 */
class EmbeddingsTest {
    /** Rows of ids (tokens), table rows (vocabulary), channels. Vocabularies smaller and larger than the batch. */
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(7, 1, 5), Arguments.of(13, 65, 3), Arguments.of(97, 5, 31),
                Arguments.of(64, 1000, 17), Arguments.of(97, 61, 128));
    }

    /** {@link #shapes} with half as many positions as tokens in the vocabulary, and a few wide ones. */
    static Stream<Arguments> forwardShapes() {
        return Stream.concat(shapes().map(a -> Arguments.of(a.get()[0], a.get()[1], a.get()[2],
                        Math.max(1, (int) a.get()[1] / 2))),
                Stream.of(Arguments.of(3, 5, 7, 3), Arguments.of(64, 1001, 33, 64), Arguments.of(5, 11, 768, 1024)));
    }

    @ParameterizedTest(name = "n={0} table={1} C={2} positions={3}")
    @MethodSource("forwardShapes")
    void tokenPositionAddsTheTwoRows(int n, int vocab, int channels, int blockSize) {
        RandomArrays rnd = RandomArrays.fresh();
        int[] tokens = ids(rnd, n, vocab);
        int[] positions = ids(rnd, n, blockSize);
        tokens[0] = vocab - 1; // both ends of each table
        positions[0] = 0;
        positions[n - 1] = blockSize - 1;
        float[] wte = rnd.gaussian(vocab * channels);
        float[] wpe = rnd.gaussian(blockSize * channels);
        float[] out = new float[n * channels];
        Subject subject = Subject.of("Embeddings.tokenPosition", "n=" + n + " V=" + vocab + " T=" + blockSize + " C="
                + channels, rnd.seed()).rowsOf(channels);

        RowSlices.run(subject, rnd, n,
                (off, cnt) -> Embeddings.tokenPosition(tokens, positions, wte, wpe, out, channels, off, cnt), out);

        double[] ref = new double[out.length];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                ref[r * channels + c] = (double) wte[tokens[r] * channels + c] + wpe[positions[r] * channels + c];
            }
        }
        Tolerance.relative(0x1p-24).assertClose(subject, out, ref, Tolerance.absOf(ref));
    }

    @ParameterizedTest(name = "n={0} table={1} C={2}")
    @MethodSource("shapes")
    void indexListsEachTableRowsPositionsInOrder(int n, int vocab, int channels) {
        RandomArrays rnd = RandomArrays.fresh();
        int[] ids = ids(rnd, n, vocab);
        int[] offsets = new int[vocab + 1];
        int[] order = new int[n];
        Arrays.fill(offsets, -7);
        Arrays.fill(order, -7);

        Embeddings.indexRows(ids, offsets, order, n, vocab, 0, 1);

        int at = 0;
        for (int v = 0; v < vocab; v++) {
            String where = "table row " + v + " ids " + Arrays.toString(ids) + " seed " + rnd.seed();
            assertArrayEquals(new int[] {at}, new int[] {offsets[v]}, "offset of " + where);
            for (int i = 0; i < n; i++) {
                if (ids[i] == v) {
                    assertArrayEquals(new int[] {i}, new int[] {order[at++]}, "order of " + where);
                }
            }
        }
        assertArrayEquals(new int[] {n}, new int[] {offsets[vocab]}, "last offset, seed " + rnd.seed());
    }

    @ParameterizedTest(name = "n={0} table={1} C={2}")
    @MethodSource("shapes")
    void tableBackwardAddsEachRowsGradients(int n, int vocab, int channels) {
        RandomArrays rnd = RandomArrays.fresh();
        int[] ids = ids(rnd, n, vocab);
        float[] dOut = rnd.gaussian(n * channels);
        float[] initial = rnd.gaussian(vocab * channels, 0, 3);
        int[] offsets = new int[vocab + 1];
        int[] order = new int[n];
        Embeddings.indexRows(ids, offsets, order, n, vocab, 0, 1);
        float[] dTable = new float[vocab * channels];
        Subject subject = Subject.of("Embeddings.tableBackward", "n=" + n + " V=" + vocab + " C=" + channels, rnd.seed())
                .rowsOf(channels);

        RowSlices.runFrom(subject, rnd, vocab,
                (off, cnt) -> Embeddings.tableBackward(dOut, offsets, order, dTable, channels, off, cnt),
                new float[][] {initial}, dTable);

        double[] ref = new double[dTable.length];
        double[] scale = new double[dTable.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = initial[i];
            scale[i] = Math.abs(initial[i]);
        }
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                ref[ids[r] * channels + c] += dOut[r * channels + c];
                scale[ids[r] * channels + c] += Math.abs(dOut[r * channels + c]);
            }
        }
        Tolerance.FP32.assertClose(subject, dTable, ref, scale);
    }

    /** The whole backward of {@link Embeddings#tokenPosition}: both tables, into zeroed gradients. */
    @ParameterizedTest(name = "n={0} table={1} C={2}")
    @MethodSource("shapes")
    void backwardOfTokenPositionGivesBothTablesGradients(int n, int vocab, int channels) {
        RandomArrays rnd = RandomArrays.fresh();
        int blockSize = Math.max(1, vocab / 3);
        int[] tokens = ids(rnd, n, vocab);
        int[] positions = ids(rnd, n, blockSize);
        float[] dOut = rnd.gaussian(n * channels);
        float[] dWte = new float[vocab * channels];
        float[] dWpe = new float[blockSize * channels];
        int[] offsets = new int[vocab + 1];
        int[] order = new int[n];
        Embeddings.indexRows(tokens, offsets, order, n, vocab, 0, 1);
        Embeddings.tableBackward(dOut, offsets, order, dWte, channels, 0, vocab);
        Embeddings.indexRows(positions, offsets, order, n, blockSize, 0, 1);
        Embeddings.tableBackward(dOut, offsets, order, dWpe, channels, 0, blockSize);

        double[] refWte = new double[dWte.length];
        double[] refWpe = new double[dWpe.length];
        double[] scaleWte = new double[dWte.length];
        double[] scaleWpe = new double[dWpe.length];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                double g = dOut[r * channels + c];
                refWte[tokens[r] * channels + c] += g;
                scaleWte[tokens[r] * channels + c] += Math.abs(g);
                refWpe[positions[r] * channels + c] += g;
                scaleWpe[positions[r] * channels + c] += Math.abs(g);
            }
        }
        Subject subject = Subject.of("Embeddings backward", "n=" + n + " V=" + vocab + " T=" + blockSize + " C=" + channels,
                rnd.seed()).rowsOf(channels);
        Tolerance.FP32.assertClose(subject.with("dWte"), dWte, refWte, scaleWte);
        Tolerance.FP32.assertClose(subject.with("dWpe"), dWpe, refWpe, scaleWpe);
    }

    /** {@code n} ids in {@code [0, rows)}, a few repeated often (as frequent tokens are). */
    static int[] ids(RandomArrays rnd, int n, int rows) {
        int[] ids = new int[n];
        int frequent = rnd.nextInt(0, rows - 1);
        for (int i = 0; i < n; i++) {
            ids[i] = rnd.chance(0.3) ? frequent : rnd.nextInt(0, rows - 1);
        }
        return ids;
    }
}
