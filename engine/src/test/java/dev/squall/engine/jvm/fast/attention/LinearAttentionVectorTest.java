package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.LinearAttention;
import dev.squall.tasks.attention.LinearAttentionReference;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LinearAttentionVector} against the float64 definition ({@link LinearAttentionReference}, within
 * {@code 1e-5} of its error scale) and against the plain kernels ({@code 2e-5}), causal (the chunked scan) or
 * not, on every {@link AttentionCase#awkwardShapes()} shape and on sequences longer than a block of the sums
 * ({@link GemmDriver#KC}) and than a chunk of the scan; rows split at random must give bit-identical results.
 */
class LinearAttentionVectorTest {

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesFloat64AndThePlainKernels(boolean causal) {
        List<AttentionCase.Shape> shapes = new ArrayList<>(AttentionCase.awkwardShapes());
        shapes.add(new AttentionCase.Shape(new int[] {GemmDriver.KC + 45, 2 * LinearAttentionVector.CHUNK + 3}, 2, 64));
        shapes.add(new AttentionCase.Shape(new int[] {600}, 1, 24));
        for (AttentionCase.Shape s : shapes) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, rnd.chance(0.5)), rnd, causal);
        }
    }

    private static void check(AttentionCase c, RandomArrays rnd, boolean causal) {
        Subject subject = Subject.of("LinearAttentionVector", c.describe() + (causal ? " causal" : ""), rnd.seed())
                .rowsOf(c.heads() * c.d());
        float[] fast = run(c, rnd, causal, subject, true);
        float[] plain = run(c, rnd, causal, subject.with("plain"), false);
        LinearAttentionReference ref = LinearAttentionReference.of(c, causal);
        Tolerance.FP32.assertClose(subject.with("vs float64"), fast, ref.out(), ref.scale());
        double[] plainOut = new double[plain.length];
        for (int e = 0; e < plain.length; e++) {
            plainOut[e] = plain[e];
        }
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain kernels"), fast, plainOut, ref.scale());
    }

    /** The fast or the plain kernels of {@code c}, rows split at random (bit-identical to the whole range). */
    private static float[] run(AttentionCase c, RandomArrays rnd, boolean causal, Subject subject, boolean fast) {
        int d = c.d();
        float[] state = new float[LinearAttention.stateSize(c.batch(), c.heads(), d)];
        float[] out = new float[c.outputSize()];
        int rows = c.batch() * c.heads();
        if (causal) {
            RowSlices.run(subject, rnd, rows, (off, cnt) -> {
                if (fast) {
                    LinearAttentionVector.causalScan(c.q(), c.k(), c.v(), state, out, c.seqStart(), c.heads(), d, c.ld(),
                            c.kCol(), c.vCol(), off, cnt);
                } else {
                    LinearAttention.causalScan(c.q(), c.k(), c.v(), state, out, c.seqStart(), c.heads(), d, c.ld(),
                            c.kCol(), c.vCol(), off, cnt);
                }
            }, out);
            return out;
        }
        RowSlices.run(subject.with("summarise"), rnd, rows, (off, cnt) -> {
            if (fast) {
                LinearAttentionVector.summarise(c.k(), c.v(), c.seqStart(), state, c.heads(), d, c.ld(), c.kCol(),
                        c.vCol(), off, cnt);
            } else {
                LinearAttention.summarise(c.k(), c.v(), c.seqStart(), state, c.heads(), d, c.ld(), c.kCol(), c.vCol(),
                        off, cnt);
            }
        }, state);
        RowSlices.run(subject, rnd, c.queryRows(), (off, cnt) -> {
            if (fast) {
                LinearAttentionVector.attention(c.q(), state, out, c.seqStart(), c.heads(), d, c.ld(), off, cnt);
            } else {
                LinearAttention.attention(c.q(), state, out, c.seqStart(), c.heads(), d, c.ld(), off, cnt);
            }
        }, out);
        return out;
    }
}
