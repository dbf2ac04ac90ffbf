package dev.squall.tasks.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.squall.tasks.testing.Poison;
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
 * {@link CachedAttention}: {@code append} copies exactly the new tokens' keys and values to their positions and
 * touches nothing else; {@code attention} equals the float64 causal attention of the whole sequence (cached
 * prefix plus new tokens) at the new tokens' positions, with the window as an extra visibility rule, within
 * the fp32 bound of the attention tests ({@code 1e-5 · Σ_j p_j|v_jc|}). Prefixes around {@link KeyStream#TILE},
 * one new token (decode) and several (a prefill chunk), windows that cut the prefix and windows that do not.
 */
class CachedAttentionTest {

    static Stream<Arguments> shapes() {
        // prefix p0, new tokens n, heads, d, window (-1: dense, i.e. the capacity)
        return Stream.of(Arguments.of(0, 1, 1, 1, -1), Arguments.of(0, 17, 3, 7, -1), Arguments.of(5, 1, 2, 64, -1),
                Arguments.of(63, 1, 3, 7, -1), Arguments.of(64, 2, 1, 16, -1), Arguments.of(130, 1, 4, 8, -1),
                Arguments.of(70, 5, 3, 7, 3), Arguments.of(9, 1, 1, 5, 0), Arguments.of(100, 3, 2, 64, 64));
    }

    @ParameterizedTest(name = "prefix={0} new={1} heads={2} d={3} window={4}")
    @MethodSource("shapes")
    void appendThenAttendMatchesFloat64(int p0, int n, int heads, int d, int windowArg) {
        RandomArrays rnd = RandomArrays.fresh();
        int width = heads * d;
        int total = p0 + n;
        int capacity = total + 3;
        int window = windowArg < 0 ? capacity : windowArg;
        Subject subject = Subject.of("CachedAttention", "prefix " + p0 + ", " + n + " new, heads " + heads + ", d " + d
                + ", window " + window, rnd.seed()).rowsOf(width);
        float[] qkv = rnd.gaussian(n * 3 * width);
        float[] prefixK = rnd.gaussian(p0 * width);
        float[] prefixV = rnd.gaussian(p0 * width);
        float[] kCache = Poison.array(capacity * width);
        float[] vCache = Poison.array(capacity * width);
        System.arraycopy(prefixK, 0, kCache, 0, prefixK.length);
        System.arraycopy(prefixV, 0, vCache, 0, prefixV.length);
        int[] position = {p0};
        float[] kBefore = kCache.clone();
        int rows = n * heads;
        for (int[] slice : RowSlices.slices(rows, rnd)) {
            CachedAttention.append(qkv, kCache, vCache, position, heads, d, 3 * width, width, 2 * width, slice[0],
                    slice[1]);
        }
        float[] fullK = new float[total * width];
        float[] fullV = new float[total * width];
        float[] fullQ = rnd.gaussian(total * width);
        System.arraycopy(prefixK, 0, fullK, 0, prefixK.length);
        System.arraycopy(prefixV, 0, fullV, 0, prefixV.length);
        for (int t = 0; t < n; t++) {
            System.arraycopy(qkv, t * 3 * width, fullQ, (p0 + t) * width, width);
            System.arraycopy(qkv, t * 3 * width + width, fullK, (p0 + t) * width, width);
            System.arraycopy(qkv, t * 3 * width + 2 * width, fullV, (p0 + t) * width, width);
        }
        assertEquals(Arrays.toString(fullK), Arrays.toString(Arrays.copyOf(kCache, total * width)), subject + " K cache");
        assertEquals(Arrays.toString(fullV), Arrays.toString(Arrays.copyOf(vCache, total * width)), subject + " V cache");
        assertEquals(Arrays.toString(Arrays.copyOfRange(kBefore, total * width, kBefore.length)),
                Arrays.toString(Arrays.copyOfRange(kCache, total * width, kCache.length)), subject + " past the new tokens");

        float[] out = new float[n * width];
        RowSlices.run(subject, rnd, rows, (off, cnt) -> CachedAttention.attention(qkv, kCache, vCache, out, position,
                heads, d, 3 * width, window, off, cnt), out);

        AttentionCase whole = new AttentionCase(new int[] {total}, new int[] {0, total}, total, heads, d,
                AttentionMask.CAUSAL, false, fullQ, fullK, fullV, new float[] {Float.NaN}, width, 0, 0);
        AttentionReference ref = AttentionReference.of(whole, (b, h, i, j) -> i - j <= window);
        double[] expected = Arrays.copyOfRange(ref.out(), p0 * width, total * width);
        double[] scale = Arrays.copyOfRange(ref.outScale(), p0 * width, total * width);
        Tolerance.FP32.assertClose(subject, out, expected, scale);
    }
}
