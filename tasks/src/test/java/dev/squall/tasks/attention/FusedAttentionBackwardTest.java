package dev.squall.tasks.attention;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The FlashAttention-2 style backward: {@link FusedAttention#attentionWithLse}, then
 * {@link FusedAttentionBackward#outputDots}, {@link FusedAttentionBackward#queryGradient} and
 * {@link FusedAttentionBackward#keyValueGradient}, on packed QKV, causal and not, for all
 * {@link AttentionCase#awkwardShapes()} (T = 1, lengths around the 16-query and 64-key blocks, several packed
 * sequences including an empty one, 1 and 3 heads, d = 1, 7, 64), every kernel with random row splits.
 *
 * <p>Checks and bounds: the output of {@code attentionWithLse} is bit-identical to {@link FusedAttention#attention}'s
 * (the same loop); its log-sum-exp within {@code 1e-5 · (Σ_j p_j·σ_j + |lse| + 1)} of float64; {@code D} within
 * {@code 1e-5 · Σ_c |dO_c|·Σ_j p_j|v_jc|}; each gradient within {@code 1e-5} of the scales of
 * {@link AttentionGradReference#of} against float64, and within {@code 2e-5} of them against the unfused backward
 * ({@link UnfusedAttentionBackward}: the sum of the two kernels' bounds). Each gradient kernel writes only its own
 * columns of {@code dqkv}.
 */
class FusedAttentionBackwardTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesFloat64AndTheUnfusedBackward(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, true), causal ? 1 : 0, rnd);
        }
    }

    private static void check(AttentionCase c, int causal, RandomArrays rnd) {
        int heads = c.heads();
        int d = c.d();
        int width = heads * d;
        int[] seqStart = c.seqStart();
        float[] qkv = c.q();
        int blockRows = FusedAttention.rows(seqStart, c.batch(), heads);
        Subject subject = Subject.of("fused attention backward", c.describe(), rnd.seed()).rowsOf(width);

        float[] out = new float[c.outputSize()];
        float[] lse = new float[c.queryRows()];
        RowSlices.run(subject.with("attentionWithLse"), rnd, blockRows, (off, cnt) -> FusedAttention.attentionWithLse(qkv,
                qkv, qkv, out, lse, seqStart, heads, d, c.ld(), c.kCol(), c.vCol(), causal, off, cnt), out, lse);
        float[] plain = new float[out.length];
        FusedAttention.attention(qkv, qkv, qkv, c.mask(), plain, seqStart, heads, d, c.ld(), c.kCol(), c.vCol(),
                c.maskFlags(), c.maxLen(), 0, blockRows);
        BitExact.assertIdentical(subject.with("output vs FusedAttention.attention"), plain, out);

        float[] dOut = rnd.gaussian(c.outputSize());
        float[] delta = new float[c.queryRows()];
        RowSlices.run(subject.with("outputDots"), rnd, c.queryRows(),
                (off, cnt) -> FusedAttentionBackward.outputDots(out, dOut, delta, d, off, cnt), delta);
        float[] dq = new float[c.tokens() * c.ld()];
        float[] dkv = new float[c.tokens() * c.ld()];
        RowSlices.run(subject.with("queryGradient"), rnd, blockRows, (off, cnt) -> FusedAttentionBackward.queryGradient(
                qkv, dOut, lse, delta, dq, seqStart, heads, d, c.ld(), c.kCol(), c.vCol(), causal, off, cnt), dq);
        RowSlices.run(subject.with("keyValueGradient"), rnd, blockRows, (off, cnt) -> FusedAttentionBackward
                .keyValueGradient(qkv, dOut, lse, delta, dkv, seqStart, heads, d, c.ld(), c.kCol(), c.vCol(), causal, off,
                        cnt), dkv);
        float[] gotQ = UnfusedAttentionBackward.columns(subject.with("dq"), dq, c, 0);
        float[] gotK = UnfusedAttentionBackward.columns(subject.with("dk"), without(dkv, c, c.vCol()), c, c.kCol());
        float[] gotV = UnfusedAttentionBackward.columns(subject.with("dv"), without(dkv, c, c.kCol()), c, c.vCol());

        AttentionGradReference ref = AttentionGradReference.of(c, dOut);
        Tolerance.FP32.assertClose(subject.with("lse").rowsOf(heads), lse, ref.lse(), ref.lseScale());
        Tolerance.FP32.assertClose(subject.with("D").rowsOf(heads), delta, ref.delta(), ref.deltaScale());
        Tolerance.FP32.assertClose(subject.with("dq vs float64"), gotQ, ref.dq(), ref.dqScale());
        Tolerance.FP32.assertClose(subject.with("dk vs float64"), gotK, ref.dk(), ref.dkScale());
        Tolerance.FP32.assertClose(subject.with("dv vs float64"), gotV, ref.dv(), ref.dvScale());

        UnfusedAttentionBackward unfused = UnfusedAttentionBackward.run(c, dOut, rnd, subject.with("unfused"));
        Tolerance both = Tolerance.relative(2e-5);
        both.assertClose(subject.with("dq vs unfused"), gotQ, AttentionGradReference.toDouble(unfused.dq()), ref.dqScale());
        both.assertClose(subject.with("dk vs unfused"), gotK, AttentionGradReference.toDouble(unfused.dk()), ref.dkScale());
        both.assertClose(subject.with("dv vs unfused"), gotV, AttentionGradReference.toDouble(unfused.dv()), ref.dvScale());
    }

    /** A copy of {@code a} with the {@code heads·d} columns from {@code col} of every token poisoned. */
    private static float[] without(float[] a, AttentionCase c, int col) {
        float[] copy = a.clone();
        for (int t = 0; t < c.tokens(); t++) {
            java.util.Arrays.fill(copy, t * c.ld() + col, t * c.ld() + col + c.heads() * c.d(), Float.NaN);
        }
        return copy;
    }
}
