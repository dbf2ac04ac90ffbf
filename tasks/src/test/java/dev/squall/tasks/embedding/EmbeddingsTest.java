package dev.squall.tasks.embedding;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Embeddings#tokenPosition} against float64: one addition per element, so the bound is {@code 1e-5}
 * relative to {@code |wte| + |wpe|} (in fact it is exact to the float rounding of the sum). Token ids and
 * positions are random, repeated and at both ends of their tables.
 */
class EmbeddingsTest {

    static Stream<Arguments> shapes() {
        // tokens, channels, vocab, positions
        return Stream.of(Arguments.of(1, 1, 1, 1), Arguments.of(3, 7, 5, 3), Arguments.of(13, 67, 97, 17),
                Arguments.of(64, 33, 1001, 64), Arguments.of(5, 768, 11, 1024));
    }

    @ParameterizedTest(name = "tokens={0} channels={1} vocab={2} positions={3}")
    @MethodSource("shapes")
    void tokenPlusPosition(int n, int channels, int vocab, int maxPos) {
        RandomArrays rnd = RandomArrays.fresh();
        Subject subject = Subject.of("Embeddings.tokenPosition", n + " tokens, " + channels + " channels, vocab "
                + vocab + ", " + maxPos + " positions", rnd.seed()).rowsOf(channels);
        float[] wte = rnd.gaussian(vocab * channels);
        float[] wpe = rnd.gaussian(maxPos * channels, 0, 0.02);
        int[] tokens = new int[n];
        int[] positions = new int[n];
        for (int r = 0; r < n; r++) {
            tokens[r] = r == 0 ? vocab - 1 : rnd.nextInt(0, vocab - 1);
            positions[r] = r == 0 ? 0 : r == n - 1 ? maxPos - 1 : rnd.nextInt(0, maxPos - 1);
        }
        float[] out = new float[n * channels];
        RowSlices.run(subject, rnd, n, (off, cnt) -> Embeddings.tokenPosition(tokens, positions, wte, wpe, out, channels,
                off, cnt), out);
        double[] ref = new double[out.length];
        double[] scale = new double[out.length];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                double a = wte[tokens[r] * channels + c];
                double b = wpe[positions[r] * channels + c];
                ref[r * channels + c] = a + b;
                scale[r * channels + c] = Math.abs(a) + Math.abs(b);
            }
        }
        Tolerance.FP32.assertClose(subject, out, ref, scale);
    }
}
