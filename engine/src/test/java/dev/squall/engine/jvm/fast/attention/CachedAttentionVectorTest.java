package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.quant.Int8KvAttentionVector;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.AttentionReference;
import dev.squall.tasks.attention.CachedAttention;
import dev.squall.tasks.quant.Int8KvAttention;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.Arrays;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CachedAttentionVector} (fp32 cache) and {@link Int8KvAttentionVector} (int8 cache) against float64 ({@code 1e-5 · Σ_j p_j|v_jc|}, the plain kernel's bound) and against
 * the plain {@link CachedAttention#attention} ({@code 2e-5} of the same scale), on the machine's preferred vectors
 * (the fast path's species is a constant, which the Vector API needs to compile to vector instructions), head
 * widths below, at and above a vector, caches longer than the score buffer's first size, windows; rows split at
 * random give the same bits.
 */
class CachedAttentionVectorTest {

    static Stream<Arguments> shapes() {
        // prefix, new tokens, heads, d, window (-1 dense)
        return Stream.of(Arguments.of(0, 1, 1, 1, -1), Arguments.of(7, 1, 3, 7, -1), Arguments.of(63, 1, 12, 64, -1),
                Arguments.of(1100, 1, 2, 16, -1), Arguments.of(40, 5, 3, 33, 6), Arguments.of(9, 3, 1, 8, 0));
    }

    @ParameterizedTest(name = "prefix={0} new={1} heads={2} d={3} window={4}")
    @MethodSource("shapes")
    void matchesFloat64AndThePlainKernel(int p0, int n, int heads, int d, int windowArg) {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        RandomArrays rnd = RandomArrays.fresh();
        int width = heads * d;
        int total = p0 + n;
        int window = windowArg < 0 ? total : windowArg;
        Subject subject = Subject.of("CachedAttentionVector " + bits + "-bit", "prefix " + p0 + ", " + n + " new, heads "
                + heads + ", d " + d + ", window " + window, rnd.seed()).rowsOf(width);
        float[] qkv = rnd.gaussian(n * 3 * width);
        float[] kCache = rnd.gaussian(total * width);
        float[] vCache = rnd.gaussian(total * width);
        int[] position = {p0};
        CachedAttention.append(qkv, kCache, vCache, position, heads, d, 3 * width, width, 2 * width, 0, n * heads);
        float[] fast = new float[n * width];
        RowSlices.run(subject, rnd, n * heads, (off, cnt) -> CachedAttentionVector.attention(qkv, kCache,
                vCache, fast, position, heads, d, 3 * width, window, off, cnt), fast);
        float[] plain = new float[n * width];
        CachedAttention.attention(qkv, kCache, vCache, plain, position, heads, d, 3 * width, window, 0, n * heads);

        float[] fullQ = rnd.gaussian(total * width);
        for (int t = 0; t < n; t++) {
            System.arraycopy(qkv, t * 3 * width, fullQ, (p0 + t) * width, width);
        }
        AttentionCase whole = new AttentionCase(new int[] {total}, new int[] {0, total}, total, heads, d,
                AttentionMask.CAUSAL, false, fullQ, kCache, vCache, new float[] {Float.NaN}, width, 0, 0);
        AttentionReference ref = AttentionReference.of(whole, (b, h, i, j) -> i - j <= window);
        check(subject, fast, plain, ref, p0 * width, total * width);
    }

    @ParameterizedTest(name = "int8 prefix={0} new={1} heads={2} d={3} window={4}")
    @MethodSource("shapes")
    void int8MatchesFloat64AndThePlainKernel(int p0, int n, int heads, int d, int windowArg) {
        RandomArrays rnd = RandomArrays.fresh();
        int width = heads * d;
        int total = p0 + n;
        int rows = total * heads;
        int window = windowArg < 0 ? total : windowArg;
        Subject subject = Subject.of("Int8KvAttentionVector", "prefix " + p0 + ", " + n + " new, heads " + heads
                + ", d " + d + ", window " + window, rnd.seed()).rowsOf(width);
        float[] qkv = rnd.gaussian(total * 3 * width);
        byte[] kCache = new byte[rows * d];
        byte[] vCache = new byte[rows * d];
        float[] kScales = new float[rows];
        float[] vScales = new float[rows];
        int[] zero = {0};
        Int8KvAttention.append(qkv, kCache, kScales, zero, heads, d, 3 * width, width, 0, rows);
        Int8KvAttention.append(qkv, vCache, vScales, zero, heads, d, 3 * width, 2 * width, 0, rows);
        float[] q = java.util.Arrays.copyOfRange(qkv, p0 * 3 * width, total * 3 * width);
        int[] position = {p0};
        float[] fast = new float[n * width];
        RowSlices.run(subject, rnd, n * heads, (off, cnt) -> Int8KvAttentionVector.cachedAttention(q, kCache, kScales,
                vCache, vScales, fast, position, heads, d, 3 * width, window, off, cnt), fast);
        float[] plain = new float[n * width];
        Int8KvAttention.cachedAttention(q, kCache, kScales, vCache, vScales, plain, position, heads, d, 3 * width,
                window, 0, n * heads);

        float[] fullQ = new float[total * width];
        float[] kHat = new float[rows * d];
        float[] vHat = new float[rows * d];
        for (int t = 0; t < total; t++) {
            System.arraycopy(qkv, t * 3 * width, fullQ, t * width, width);
        }
        for (int i = 0; i < kHat.length; i++) {
            kHat[i] = kScales[i / d] * kCache[i];
            vHat[i] = vScales[i / d] * vCache[i];
        }
        AttentionCase whole = new AttentionCase(new int[] {total}, new int[] {0, total}, total, heads, d,
                AttentionMask.CAUSAL, false, fullQ, kHat, vHat, new float[] {Float.NaN}, width, 0, 0);
        AttentionReference ref = AttentionReference.of(whole, (b, h, i, j) -> i - j <= window);
        check(subject.with("over the dequantised cache"), fast, plain, ref, p0 * width, total * width);
    }

    /** The new tokens' rows {@code [from, to)} of the reference: fast vs float64, and vs the plain kernel. */
    private static void check(Subject subject, float[] fast, float[] plain, AttentionReference ref, int from, int to) {
        double[] scale = Arrays.copyOfRange(ref.outScale(), from, to);
        Tolerance.FP32.assertClose(subject.with("vs float64"), fast, Arrays.copyOfRange(ref.out(), from, to), scale);
        double[] plainAsDouble = new double[plain.length];
        for (int i = 0; i < plain.length; i++) {
            plainAsDouble[i] = plain[i];
        }
        Tolerance.relative(2e-5).assertClose(subject.with("vs the plain kernel"), fast, plainAsDouble, scale);
    }
}
