package dev.squall.tasks.attention;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A batch padded to {@code nMax} tokens per sequence, its padding keys hidden by
 * {@link AttentionMask#KEY_PADDING}, gives bit for bit the outputs of the same batch packed without padding,
 * for every real query, in both the unfused kernels and {@link FusedAttention}; for every mask combination,
 * separate and packed Q/K/V, all {@link AttentionCase#awkwardShapes()}, padded to the longest sequence or
 * beyond it. The padding rows of Q, K and V hold random values, so nothing may depend on them; the padded
 * additive mask holds the packed one in its top-left corner and random values elsewhere.
 */
class PaddedAttentionTest {
    static Stream<Arguments> masksAndLayouts() {
        return Stream.of(0, AttentionMask.CAUSAL, AttentionMask.ADDITIVE, AttentionMask.CAUSAL | AttentionMask.ADDITIVE)
                .flatMap(flags -> Stream.of(Arguments.of(flags, false), Arguments.of(flags, true)));
    }

    @ParameterizedTest(name = "maskFlags={0} packed={1}")
    @MethodSource("masksAndLayouts")
    void paddedWithKeyPaddingEqualsPackedBitForBit(int maskFlags, boolean packedQkv) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            if (s.d() > 8) {
                continue; // the head width plays no part in padding; keeps the test fast
            }
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase packed = AttentionCase.random(rnd, s, maskFlags, packedQkv);
            int nMax = packed.maxLen() + (rnd.chance(0.5) ? 0 : rnd.nextInt(1, 20));
            AttentionCase padded = padded(packed, nMax, rnd);
            Subject subject = Subject.of("attention padded to " + nMax + " vs packed", packed.describe(), rnd.seed())
                    .rowsOf(s.heads() * s.d());

            float[] unfusedPacked = UnfusedAttention.run(packed, rnd, subject.with("unfused packed")).out();
            float[] unfusedPadded = UnfusedAttention.run(padded, rnd, subject.with("unfused padded")).out();
            assertRealRowsIdentical(subject.with("unfused"), packed, nMax, unfusedPacked, unfusedPadded);

            float[] fusedPacked = fused(packed, rnd, subject.with("fused packed"));
            float[] fusedPadded = fused(padded, rnd, subject.with("fused padded"));
            assertRealRowsIdentical(subject.with("fused"), packed, nMax, fusedPacked, fusedPadded);
        }
    }

    /**
     * {@code c}'s sequences each padded to {@code nMax} rows of random values, as {@code nMax}-token
     * sequences whose padding keys are hidden by a KEY_PADDING section of 0 / −∞.
     */
    private static AttentionCase padded(AttentionCase c, int nMax, RandomArrays rnd) {
        int batch = c.batch();
        int rows = batch * nMax;
        float[] q = padRows(c.q(), c, nMax, rnd);
        float[] k = c.packed() ? q : padRows(c.k(), c, nMax, rnd);
        float[] v = c.packed() ? q : padRows(c.v(), c, nMax, rnd);
        float[] keyMask = new float[rows];
        for (int b = 0; b < batch; b++) {
            Arrays.fill(keyMask, b * nMax + c.lengths()[b], (b + 1) * nMax, Float.NEGATIVE_INFINITY);
        }
        float[] mask = keyMask;
        if ((c.maskFlags() & AttentionMask.ADDITIVE) != 0) {
            float[] additive = rnd.uniform(nMax * nMax, -2, 2);
            for (int i = 0; i < c.maxLen(); i++) {
                System.arraycopy(c.mask(), i * c.maxLen(), additive, i * nMax, c.maxLen());
            }
            mask = Arrays.copyOf(additive, additive.length + rows);
            System.arraycopy(keyMask, 0, mask, additive.length, rows);
        }
        int[] lengths = new int[batch];
        int[] seqStart = new int[batch + 1];
        Arrays.fill(lengths, nMax);
        Arrays.setAll(seqStart, b -> b * nMax);
        return new AttentionCase(lengths, seqStart, nMax, c.heads(), c.d(), c.maskFlags() | AttentionMask.KEY_PADDING,
                c.packed(), q, k, v, mask, c.ld(), c.kCol(), c.vCol());
    }

    /** The rows of {@code x} ({@code c.ld()} wide) moved to their padded positions, random values between. */
    private static float[] padRows(float[] x, AttentionCase c, int nMax, RandomArrays rnd) {
        float[] out = rnd.gaussian(c.batch() * nMax * c.ld());
        for (int b = 0; b < c.batch(); b++) {
            System.arraycopy(x, c.seqStart()[b] * c.ld(), out, b * nMax * c.ld(), c.lengths()[b] * c.ld());
        }
        return out;
    }

    private static float[] fused(AttentionCase c, RandomArrays rnd, Subject subject) {
        float[] out = new float[c.outputSize()];
        RowSlices.run(subject, rnd, FusedAttention.rows(c.seqStart(), c.batch(), c.heads()),
                (off, cnt) -> FusedAttention.attention(c.q(), c.k(), c.v(), c.mask(), out, c.seqStart(), c.heads(),
                        c.d(), c.ld(), c.kCol(), c.vCol(), c.maskFlags(), c.maxLen(), off, cnt), out);
        return out;
    }

    private static void assertRealRowsIdentical(Subject subject, AttentionCase packed, int nMax, float[] fromPacked,
                                                float[] fromPadded) {
        int width = packed.heads() * packed.d();
        for (int b = 0; b < packed.batch(); b++) {
            int len = packed.lengths()[b];
            int from = packed.seqStart()[b] * width;
            BitExact.assertIdentical(subject.with("sequence " + b), Arrays.copyOfRange(fromPacked, from, from + len * width),
                    Arrays.copyOfRange(fromPadded, b * nMax * width, (b * nMax + len) * width));
        }
        for (int i = 0; i < fromPadded.length; i++) {
            assertFalse(Float.isNaN(fromPadded[i]), subject + ": NaN in the padded output at " + subject.where(i));
        }
    }
}
