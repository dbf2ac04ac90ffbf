package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;

/**
 * The check every sparse-pattern kernel test makes: run the kernel on an {@link AttentionCase} through
 * {@link RowSlices#run} (poisoned outputs, random row splits bit-identical) and compare its output with
 * float64 dense attention in which every key the test's own {@link AttentionReference.Visibility} rejects is
 * hidden. The visibility is written in each test from the pattern's definition, never from the kernel's
 * helpers. Bound: {@code 1e-5 · Σ_j p_j|v_jc|}, as for {@link FusedAttention}.
 */
final class PatternCheck {
    /** A kernel call with everything bound but its output and row range. */
    @FunctionalInterface
    interface Run {
        void run(float[] out, int rowOffset, int rowCount);
    }

    private PatternCheck() {
    }

    /**
     * Runs {@code kernel} over {@code rows} parallel rows and checks it; {@code scratch} are further float
     * outputs of the kernel, poisoned too. Returns the output.
     */
    static float[] check(Subject subject, AttentionCase c, RandomArrays rnd, int rows, Run kernel,
                         AttentionReference.Visibility visible, float[]... scratch) {
        float[] out = new float[c.outputSize()];
        float[][] outputs = new float[scratch.length + 1][];
        outputs[0] = out;
        System.arraycopy(scratch, 0, outputs, 1, scratch.length);
        RowSlices.run(subject, rnd, rows, (off, cnt) -> kernel.run(out, off, cnt), outputs);
        AttentionReference ref = AttentionReference.of(c, visible);
        Tolerance.FP32.assertClose(subject.with("vs float64 dense with the pattern's mask").rowsOf(c.heads() * c.d()),
                out, ref.out(), ref.outScale());
        return out;
    }

    /**
     * The materialised {@code [tokens·heads, maxLen]} scores of {@code c} from {@link DenseAttention#scores}
     * (tested on its own), input of the unfused pattern steps.
     */
    static float[] denseScores(AttentionCase c) {
        float[] scores = new float[c.queryRows() * c.maxLen()];
        DenseAttention.scores(c.q(), c.k(), c.mask(), scores, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(),
                c.maskFlags(), c.maxLen(), 0, c.queryRows());
        return scores;
    }

    /** The subject of a pattern kernel on case {@code c}. */
    static Subject subject(String kernel, String pattern, AttentionCase c, RandomArrays rnd) {
        return Subject.of(kernel, c.describe() + " pattern " + pattern, rnd.seed());
    }

    /** The parallel rows of the per-query-block kernels for {@code c}. */
    static int blockRows(AttentionCase c) {
        return QueryBlocks.rows(c.seqStart(), c.batch(), c.heads());
    }

    /** {@link AttentionMask#CAUSAL} or 0. */
    static int flags(boolean causal) {
        return causal ? AttentionMask.CAUSAL : 0;
    }
}
