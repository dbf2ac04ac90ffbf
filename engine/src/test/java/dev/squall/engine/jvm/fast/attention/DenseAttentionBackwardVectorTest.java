package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.gemm.GemmVectorTest;
import dev.squall.engine.jvm.fast.softmax.SoftmaxVector;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionGradReference;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.UnfusedAttention;
import dev.squall.tasks.attention.UnfusedAttentionBackward;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fast unfused attention backward ({@link DenseAttentionBackwardVector} and
 * {@link SoftmaxVector#softmaxBackward}) from the plain forward's probabilities, for masks (none, causal, additive,
 * key padding, combined) on separate and packed Q/K/V, the awkward shapes of the plain kernels' test and shapes past
 * the GEMM blocks (sequences over 128 and 256 tokens). Every kernel runs with random row splits (bit-identical
 * results required, outputs poisoned before each run); each gradient must leave the rest of its array poisoned.
 * Bounds: {@code 1e-5} of the scales of {@link AttentionGradReference#of} against float64, {@code 2e-5} (the sum of
 * both bounds) against the plain kernels.
 */
class DenseAttentionBackwardVectorTest {
    static Stream<Arguments> masksAndLayouts() {
        return Stream.of(Arguments.of(AttentionMask.CAUSAL, true), Arguments.of(0, false),
                Arguments.of(AttentionMask.ADDITIVE | AttentionMask.KEY_PADDING, true),
                Arguments.of(AttentionMask.CAUSAL | AttentionMask.ADDITIVE | AttentionMask.KEY_PADDING, false));
    }

    static List<AttentionCase.Shape> shapes() {
        List<AttentionCase.Shape> shapes = new ArrayList<>(AttentionCase.awkwardShapes());
        shapes.add(new AttentionCase.Shape(new int[] {300}, 2, 32));
        shapes.add(new AttentionCase.Shape(new int[] {129, 257, 40}, 3, 16));
        return shapes;
    }

    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("masksAndLayouts")
    void matchesFloat64AndThePlainKernels(int maskFlags, boolean packed) {
        for (AttentionCase.Shape s : shapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, maskFlags, packed), rnd);
        }
    }

    private static void check(AttentionCase c, RandomArrays rnd) {
        float[] dOut = rnd.gaussian(c.outputSize());
        Subject subject = Subject.of("DenseAttentionBackwardVector", c.describe(), rnd.seed()).rowsOf(c.heads() * c.d());
        float[] p = UnfusedAttention.run(c, rnd, subject.with("forward")).probs();
        int rows = c.queryRows();
        int n = c.maxLen();
        int size = c.tokens() * c.ld();
        int[] seqStart = c.seqStart();
        int heads = c.heads();
        int d = c.d();
        int ld = c.ld();
        float[] dv = new float[size];
        float[] dp = new float[rows * n];
        float[] ds = new float[rows * n];
        float[] dq = new float[size];
        float[] dk = new float[size];
        RowSlices.run(subject.with("valueGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackwardVector.valueGradient(
                p, dOut, dv, seqStart, heads, d, ld, c.vCol(), n, off, cnt), dv);
        RowSlices.run(subject.with("probabilityGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackwardVector
                .probabilityGradient(dOut, c.v(), dp, seqStart, heads, d, ld, c.vCol(), n, off, cnt), dp);
        RowSlices.run(subject.with("softmaxBackward"), rnd, rows, (off, cnt) -> SoftmaxVector.softmaxBackward(p, dp, ds,
                n, off, cnt), ds);
        RowSlices.run(subject.with("queryGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackwardVector.queryGradient(
                ds, c.k(), dq, seqStart, heads, d, ld, c.kCol(), n, off, cnt), dq);
        RowSlices.run(subject.with("keyGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackwardVector.keyGradient(ds,
                c.q(), dk, seqStart, heads, d, ld, c.kCol(), n, off, cnt), dk);
        float[] gotQ = UnfusedAttentionBackward.columns(subject.with("dq"), dq, c, 0);
        float[] gotK = UnfusedAttentionBackward.columns(subject.with("dk"), dk, c, c.kCol());
        float[] gotV = UnfusedAttentionBackward.columns(subject.with("dv"), dv, c, c.vCol());

        AttentionGradReference ref = AttentionGradReference.of(c, dOut);
        Tolerance.FP32.assertClose(subject.with("dq vs float64"), gotQ, ref.dq(), ref.dqScale());
        Tolerance.FP32.assertClose(subject.with("dk vs float64"), gotK, ref.dk(), ref.dkScale());
        Tolerance.FP32.assertClose(subject.with("dv vs float64"), gotV, ref.dv(), ref.dvScale());

        UnfusedAttentionBackward plain = UnfusedAttentionBackward.run(c, dOut, rnd, subject.with("plain"));
        Tolerance both = Tolerance.relative(2e-5);
        both.assertClose(subject.with("dq vs plain"), gotQ, GemmVectorTest.toDouble(plain.dq()), ref.dqScale());
        both.assertClose(subject.with("dk vs plain"), gotK, GemmVectorTest.toDouble(plain.dk()), ref.dkScale());
        both.assertClose(subject.with("dv vs plain"), gotV, GemmVectorTest.toDouble(plain.dv()), ref.dvScale());
    }
}
