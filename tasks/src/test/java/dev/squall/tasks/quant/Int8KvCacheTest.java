package dev.squall.tasks.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.AttentionReference;
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
 * The decoder's int8 KV cache: {@link Int8KvAttention#append} writes, at the new tokens' positions, exactly what
 * {@link Int8KvAttention#quantizeHeads} writes for the whole sequence (bit for bit, nothing else touched), and
 * {@link Int8KvAttention#cachedAttention} equals the float64 causal attention over the dequantised caches at the
 * new tokens' positions, with the window as an extra visibility rule, within the fp32 bound
 * ({@code 1e-5 · Σ_j p_j|v̂_jc|}). The quantisation error itself is {@link Int8KvAttentionTest}'s subject.
 */
class Int8KvCacheTest {

    static Stream<Arguments> shapes() {
        // prefix p0, new tokens n, heads, d, window (-1: dense)
        return Stream.of(Arguments.of(0, 1, 1, 1, -1), Arguments.of(0, 17, 3, 7, -1), Arguments.of(5, 1, 2, 64, -1),
                Arguments.of(64, 2, 1, 16, -1), Arguments.of(70, 5, 3, 7, 3), Arguments.of(9, 1, 1, 5, 0));
    }

    @ParameterizedTest(name = "prefix={0} new={1} heads={2} d={3} window={4}")
    @MethodSource("shapes")
    void appendThenAttendMatchesFloat64(int p0, int n, int heads, int d, int windowArg) {
        RandomArrays rnd = RandomArrays.fresh();
        int width = heads * d;
        int total = p0 + n;
        int capacity = total + 2;
        int window = windowArg < 0 ? capacity : windowArg;
        Subject subject = Subject.of("Int8KvAttention.append/cachedAttention", "prefix " + p0 + ", " + n + " new, heads "
                + heads + ", d " + d + ", window " + window, rnd.seed()).rowsOf(width);
        float[] fullK = rnd.gaussian(total * width);
        float[] fullV = rnd.gaussian(total * width);
        float[] fullQ = rnd.gaussian(total * width);
        byte[] kExpected = new byte[capacity * width];
        float[] kScalesExpected = new float[capacity * heads];
        byte[] vExpected = new byte[capacity * width];
        float[] vScalesExpected = new float[capacity * heads];
        Int8KvAttention.quantizeHeads(fullK, kExpected, kScalesExpected, heads, d, width, 0, 0, total * heads);
        Int8KvAttention.quantizeHeads(fullV, vExpected, vScalesExpected, heads, d, width, 0, 0, total * heads);

        // the cache holds the prefix, as earlier steps left it; the new tokens come as a packed QKV projection
        byte[] kCache = Arrays.copyOf(kExpected, kExpected.length);
        byte[] vCache = Arrays.copyOf(vExpected, vExpected.length);
        float[] kScales = kScalesExpected.clone();
        float[] vScales = vScalesExpected.clone();
        Arrays.fill(kCache, p0 * width, total * width, (byte) 99);
        Arrays.fill(vCache, p0 * width, total * width, (byte) -99);
        Arrays.fill(kScales, p0 * heads, total * heads, Float.NaN);
        Arrays.fill(vScales, p0 * heads, total * heads, Float.NaN);
        float[] qkv = new float[n * 3 * width];
        for (int t = 0; t < n; t++) {
            System.arraycopy(fullQ, (p0 + t) * width, qkv, t * 3 * width, width);
            System.arraycopy(fullK, (p0 + t) * width, qkv, t * 3 * width + width, width);
            System.arraycopy(fullV, (p0 + t) * width, qkv, t * 3 * width + 2 * width, width);
        }
        int[] position = {p0};
        int rows = n * heads;
        for (int[] s : RowSlices.slices(rows, rnd)) {
            Int8KvAttention.append(qkv, kCache, kScales, position, heads, d, 3 * width, width, s[0], s[1]);
            Int8KvAttention.append(qkv, vCache, vScales, position, heads, d, 3 * width, 2 * width, s[0], s[1]);
        }
        assertArrayEquals(kExpected, kCache, subject + " K cache");
        assertArrayEquals(vExpected, vCache, subject + " V cache");
        assertArrayEquals(kScalesExpected, kScales, subject + " K scales");
        assertArrayEquals(vScalesExpected, vScales, subject + " V scales");

        float[] out = new float[n * width];
        RowSlices.run(subject, rnd, rows, (off, cnt) -> Int8KvAttention.cachedAttention(qkv, kCache, kScales, vCache,
                vScales, out, position, heads, d, 3 * width, window, off, cnt), out);

        AttentionCase dequantised = new AttentionCase(new int[] {total}, new int[] {0, total}, total, heads, d,
                AttentionMask.CAUSAL, false, fullQ, dequantise(kCache, kScales, total * heads, d),
                dequantise(vCache, vScales, total * heads, d), new float[] {Float.NaN}, width, 0, 0);
        AttentionReference ref = AttentionReference.of(dequantised, (b, h, i, j) -> i - j <= window);
        Tolerance.FP32.assertClose(subject, out, Arrays.copyOfRange(ref.out(), p0 * width, total * width),
                Arrays.copyOfRange(ref.outScale(), p0 * width, total * width));
    }

    private static float[] dequantise(byte[] cache, float[] scales, int rows, int d) {
        float[] hat = new float[rows * d];
        for (int i = 0; i < hat.length; i++) {
            hat[i] = scales[i / d] * cache[i];
        }
        return hat;
    }
}
