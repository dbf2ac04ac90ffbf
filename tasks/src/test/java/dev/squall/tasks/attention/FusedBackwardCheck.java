package dev.squall.tasks.attention;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.Arrays;

/**
 * Runs the fused attention forward with log-sum-exp and the FlashAttention-2 backward on a packed-QKV
 * {@link AttentionCase}, every kernel through {@link RowSlices#run}: dense ({@link FusedAttention},
 * {@link FusedAttentionBackward}) for radius {@link Integer#MAX_VALUE}, else the window kernels
 * ({@link WindowAttention#attentionWithLse}, {@link WindowAttentionBackward}), and checks the results against the
 * float64 references of the case (with the window as an additive mask, {@link AttentionCase#withWindow}) and
 * against the unfused backward on that masked case.
 *
 * <p>Bounds: log-sum-exp within {@code 1e-5 · (Σ_j p_j·σ_j + |lse| + 1)} of float64; {@code D} within
 * {@code 1e-5 · Σ_c |dO_c|·Σ_j p_j|v_jc|}; each gradient within {@code 1e-5} of the scales of
 * {@link AttentionGradReference#of} against float64, and within {@code 2e-5} of them against the unfused backward
 * (the sum of the two kernels' bounds). Each gradient kernel writes only its own columns of {@code dqkv}.
 *
 * @param out  the forward's output {@code [tokens, heads·d]}
 * @param lse  its log-sum-exps {@code [tokens, heads]}
 * @param dq   the queries' gradient, in the packed layout (other columns NaN)
 * @param dkv  the keys' and values' gradients, in the packed layout (Q columns NaN)
 */
record FusedBackwardCheck(float[] out, float[] lse, float[] dq, float[] dkv) {

    /** Runs the kernels on {@code c} (packed, causal or no mask) with window {@code radius} and checks them. */
    static FusedBackwardCheck run(AttentionCase c, int causal, int radius, RandomArrays rnd) {
        int heads = c.heads();
        int d = c.d();
        int[] seqStart = c.seqStart();
        float[] qkv = c.q();
        int ld = c.ld();
        int blockRows = FusedAttention.rows(seqStart, c.batch(), heads);
        boolean dense = radius == Integer.MAX_VALUE;
        Subject subject = Subject.of(dense ? "fused attention backward" : "window attention backward",
                c.describe() + (dense ? "" : " radius=" + radius), rnd.seed()).rowsOf(heads * d);

        float[] out = new float[c.outputSize()];
        float[] lse = new float[c.queryRows()];
        RowSlices.run(subject.with("attentionWithLse"), rnd, blockRows, (off, cnt) -> {
            if (dense) {
                FusedAttention.attentionWithLse(qkv, qkv, qkv, out, lse, seqStart, heads, d, ld, c.kCol(), c.vCol(),
                        causal, off, cnt);
            } else {
                WindowAttention.attentionWithLse(qkv, qkv, qkv, out, lse, seqStart, heads, d, ld, c.kCol(), c.vCol(),
                        causal, radius, off, cnt);
            }
        }, out, lse);

        float[] dOut = rnd.gaussian(c.outputSize());
        float[] delta = new float[c.queryRows()];
        RowSlices.run(subject.with("outputDots"), rnd, c.queryRows(),
                (off, cnt) -> FusedAttentionBackward.outputDots(out, dOut, delta, d, off, cnt), delta);
        float[] dq = new float[c.tokens() * ld];
        float[] dkv = new float[c.tokens() * ld];
        RowSlices.run(subject.with("queryGradient"), rnd, blockRows, (off, cnt) -> {
            if (dense) {
                FusedAttentionBackward.queryGradient(qkv, dOut, lse, delta, dq, seqStart, heads, d, ld, c.kCol(),
                        c.vCol(), causal, off, cnt);
            } else {
                WindowAttentionBackward.queryGradient(qkv, dOut, lse, delta, dq, seqStart, heads, d, ld, c.kCol(),
                        c.vCol(), causal, radius, off, cnt);
            }
        }, dq);
        RowSlices.run(subject.with("keyValueGradient"), rnd, blockRows, (off, cnt) -> {
            if (dense) {
                FusedAttentionBackward.keyValueGradient(qkv, dOut, lse, delta, dkv, seqStart, heads, d, ld, c.kCol(),
                        c.vCol(), causal, off, cnt);
            } else {
                WindowAttentionBackward.keyValueGradient(qkv, dOut, lse, delta, dkv, seqStart, heads, d, ld, c.kCol(),
                        c.vCol(), causal, radius, off, cnt);
            }
        }, dkv);
        float[] gotQ = UnfusedAttentionBackward.columns(subject.with("dq"), dq, c, 0);
        float[] gotK = UnfusedAttentionBackward.columns(subject.with("dk"), without(dkv, c, c.vCol()), c, c.kCol());
        float[] gotV = UnfusedAttentionBackward.columns(subject.with("dv"), without(dkv, c, c.kCol()), c, c.vCol());

        AttentionCase masked = dense ? c : c.withWindow(radius);
        AttentionGradReference ref = AttentionGradReference.of(masked, dOut);
        Tolerance.FP32.assertClose(subject.with("lse").rowsOf(heads), lse, ref.lse(), ref.lseScale());
        Tolerance.FP32.assertClose(subject.with("D").rowsOf(heads), delta, ref.delta(), ref.deltaScale());
        Tolerance.FP32.assertClose(subject.with("dq vs float64"), gotQ, ref.dq(), ref.dqScale());
        Tolerance.FP32.assertClose(subject.with("dk vs float64"), gotK, ref.dk(), ref.dkScale());
        Tolerance.FP32.assertClose(subject.with("dv vs float64"), gotV, ref.dv(), ref.dvScale());

        UnfusedAttentionBackward unfused = UnfusedAttentionBackward.run(masked, dOut, rnd, subject.with("unfused"));
        Tolerance both = Tolerance.relative(2e-5);
        both.assertClose(subject.with("dq vs unfused"), gotQ, AttentionGradReference.toDouble(unfused.dq()), ref.dqScale());
        both.assertClose(subject.with("dk vs unfused"), gotK, AttentionGradReference.toDouble(unfused.dk()), ref.dkScale());
        both.assertClose(subject.with("dv vs unfused"), gotV, AttentionGradReference.toDouble(unfused.dv()), ref.dvScale());
        return new FusedBackwardCheck(out, lse, dq, dkv);
    }

    /** Fails unless every array of {@code other} is bit-identical to this one's. */
    void assertIdentical(Subject subject, FusedBackwardCheck other) {
        BitExact.assertIdentical(subject.with("output"), out, other.out);
        BitExact.assertIdentical(subject.with("lse"), lse, other.lse);
        BitExact.assertIdentical(subject.with("dq"), dq, other.dq);
        BitExact.assertIdentical(subject.with("dk, dv"), dkv, other.dkv);
    }

    /** A copy of {@code a} with the {@code heads·d} columns from {@code col} of every token poisoned. */
    static float[] without(float[] a, AttentionCase c, int col) {
        float[] copy = a.clone();
        for (int t = 0; t < c.tokens(); t++) {
            Arrays.fill(copy, t * c.ld() + col, t * c.ld() + col + c.heads() * c.d(), Float.NaN);
        }
        return copy;
    }
}
