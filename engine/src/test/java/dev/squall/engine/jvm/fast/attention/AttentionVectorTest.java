package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.gemm.GemmVectorTest;
import dev.squall.engine.jvm.fast.softmax.SoftmaxVector;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.AttentionReference;
import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.attention.UnfusedAttention;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attention fast paths ({@link FusedAttentionVector}, and the unfused pipeline {@link DenseAttentionVector}
 * → {@link SoftmaxVector} → {@link DenseAttentionVector}) against float64 and against the plain kernels, for
 * every mask combination, separate and packed Q/K/V and all {@link AttentionCase#awkwardShapes()}, with
 * outputs poisoned and rows split at random (bit-identical for any split).
 *
 * <p>Bounds as for the plain kernels: scores {@code 1e-5 · (Σ_c |q_c||k_c|/√d + |mask|)}, probabilities
 * {@code 1e-5 · p}, outputs {@code 1e-5 · Σ_j p_j|v_jc|} against float64; against the plain kernels
 * {@code 2e-5} of the same scale.
 */
class AttentionVectorTest {
    static Stream<Arguments> masksAndLayouts() {
        return Stream.of(0, AttentionMask.CAUSAL, AttentionMask.ADDITIVE, AttentionMask.CAUSAL | AttentionMask.ADDITIVE,
                        AttentionMask.KEY_PADDING, AttentionMask.CAUSAL | AttentionMask.ADDITIVE | AttentionMask.KEY_PADDING)
                .flatMap(flags -> Stream.of(Arguments.of(flags, false), Arguments.of(flags, true)));
    }

    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("masksAndLayouts")
    void fusedMatchesFloat64AndPlainKernel(int maskFlags, boolean packed) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            checkFused(AttentionCase.random(rnd, s, maskFlags, packed), rnd);
        }
    }

    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("masksAndLayouts")
    void unfusedMatchesFloat64AndPlainKernels(int maskFlags, boolean packed) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            checkUnfused(AttentionCase.random(rnd, s, maskFlags, packed), rnd);
        }
    }

    /**
     * Sequences longer than the fast path's key tile and query group (several key tiles per query, several
     * groups per head, groups cut by the end of a sequence), with every mask combination.
     */
    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("masksAndLayouts")
    void longSequencesCrossKeyTilesAndQueryGroups(int maskFlags, boolean packed) {
        for (int[] lengths : new int[][] {{300}, {129, 270}}) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(lengths, 2, 24), maskFlags, packed);
            checkFused(c, rnd);
            checkUnfused(c, rnd);
        }
    }

    /**
     * A head dimension deeper than one depth block of the GEMM ({@code d > KC}): the scores then run on the
     * general product instead of the panels of Q packed once per group.
     */
    @Test
    void headDimensionDeeperThanOneDepthBlock() {
        for (int flags : new int[] {0, AttentionMask.CAUSAL | AttentionMask.ADDITIVE}) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {37, 140}, 1,
                    GemmDriver.KC + 3), flags, false);
            checkFused(c, rnd);
        }
    }

    /** Queries whose additive-mask row is all −∞, alone and with the causal mask: their output is zero. */
    @Test
    void queryThatSeesNoKeyGetsZeros() {
        for (int flags : new int[] {AttentionMask.ADDITIVE, AttentionMask.ADDITIVE | AttentionMask.CAUSAL}) {
            for (int n : new int[] {17, 100}) {
                RandomArrays rnd = RandomArrays.fresh();
                AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {n, n}, 3, 7), flags, false)
                        .hidingAllKeysFrom(0).hidingAllKeysFrom(n / 2).hidingAllKeysFrom(n - 1);
                checkFused(c, rnd);
                checkUnfused(c, rnd);
            }
        }
    }

    private static void checkFused(AttentionCase c, RandomArrays rnd) {
        Subject subject = Subject.of("FusedAttentionVector.attention", c.describe(), rnd.seed()).rowsOf(c.heads() * c.d());
        int rows = FusedAttention.rows(c.seqStart(), c.batch(), c.heads());
        float[] out = new float[c.outputSize()];
        RowSlices.run(subject, rnd, rows, (off, cnt) -> FusedAttentionVector.attention(c.q(), c.k(), c.v(), c.mask(),
                out, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), c.maskFlags(), c.maxLen(), off, cnt),
                out);
        float[] plain = new float[out.length];
        FusedAttention.attention(c.q(), c.k(), c.v(), c.mask(), plain, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(),
                c.vCol(), c.maskFlags(), c.maxLen(), 0, rows);

        AttentionReference ref = AttentionReference.of(c);
        Tolerance.FP32.assertClose(subject.with("vs float64"), out, ref.out(), ref.outScale());
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain"), out, GemmVectorTest.toDouble(plain),
                ref.outScale());
    }

    private static void checkUnfused(AttentionCase c, RandomArrays rnd) {
        Subject subject = Subject.of("DenseAttentionVector+SoftmaxVector", c.describe(), rnd.seed());
        int rows = c.queryRows();
        int n = c.maxLen();
        float[] scores = new float[rows * n];
        float[] probs = new float[rows * n];
        float[] out = new float[c.outputSize()];
        RowSlices.run(subject.with("scores"), rnd, rows, (off, cnt) -> DenseAttentionVector.scores(c.q(), c.k(),
                c.mask(), scores, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(), c.maskFlags(), n, off, cnt), scores);
        RowSlices.run(subject.with("softmax"), rnd, rows, (off, cnt) -> SoftmaxVector.softmax(scores, probs, n, off, cnt),
                probs);
        RowSlices.run(subject.with("weightedSum"), rnd, rows, (off, cnt) -> DenseAttentionVector.weightedSum(probs,
                c.v(), out, c.seqStart(), c.heads(), c.d(), c.ld(), c.vCol(), n, off, cnt), out);
        UnfusedAttention plain = UnfusedAttention.run(c, rnd, subject.with("plain"));

        AttentionReference ref = AttentionReference.of(c);
        Tolerance.FP32.assertClose(subject.with("scores").rowsOf(n), scores, ref.scores(), ref.scoreScale());
        Tolerance.FP32.assertClose(subject.with("probabilities").rowsOf(n), probs, ref.probs(),
                Tolerance.absOf(ref.probs()));
        Tolerance.FP32.assertClose(subject.with("output").rowsOf(c.heads() * c.d()), out, ref.out(), ref.outScale());
        Tolerance.relative(2e-5).assertClose(subject.with("scores vs plain").rowsOf(n), scores,
                GemmVectorTest.toDouble(plain.scores()), ref.scoreScale());
        Tolerance.relative(2e-5).assertClose(subject.with("output vs plain").rowsOf(c.heads() * c.d()), out,
                GemmVectorTest.toDouble(plain.out()), ref.outScale());
    }
}
