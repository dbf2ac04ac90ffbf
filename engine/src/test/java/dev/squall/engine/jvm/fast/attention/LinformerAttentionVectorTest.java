package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.LinformerAttention;
import dev.squall.tasks.attention.LinformerCase;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LinformerAttentionVector} (projections and attention, without the causal mask) against the float64
 * definition ({@link LinformerCase#reference}, within {@code 1e-5} of its error scale) and the plain kernels
 * ({@code 2e-5}), with random projections (rows zero or starting late, so some projected keys are hidden), ranks
 * around a tile of projected keys, sequences longer than a block of the projection; both steps' rows split at
 * random must give bit-identical results.
 */
class LinformerAttentionVectorTest {

    @Test
    void matchesFloat64AndThePlainKernels() {
        List<AttentionCase.Shape> shapes = new ArrayList<>(AttentionCase.awkwardShapes());
        shapes.add(new AttentionCase.Shape(new int[] {GemmDriver.KC + 70, 90}, 2, 64));
        for (AttentionCase.Shape s : shapes) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, 0, rnd.chance(0.5));
            int rank = new int[] {1, 13, QueryGroup.MAX_KEYS, QueryGroup.MAX_KEYS + 7, 150}[rnd.nextInt(0, 4)];
            LinformerCase l = LinformerCase.random(rnd, false, rank, c.maxLen() + rnd.nextInt(0, 3));
            Subject subject = Subject.of("LinformerAttentionVector", c.describe() + " " + l.describe(), rnd.seed())
                    .rowsOf(c.heads() * c.d());
            float[] fast = run(c, l, rnd, subject, true);
            float[] plain = run(c, l, rnd, subject.with("plain"), false);
            double[][] ref = l.reference(c, false);
            Tolerance.FP32.assertClose(subject.with("vs float64"), fast, ref[0], ref[1]);
            double[] plainOut = new double[plain.length];
            for (int e = 0; e < plain.length; e++) {
                plainOut[e] = plain[e];
            }
            Tolerance.relative(2e-5).assertClose(subject.with("vs plain kernels"), fast, plainOut, ref[1]);
        }
    }

    private static float[] run(AttentionCase c, LinformerCase l, RandomArrays rnd, Subject subject, boolean fast) {
        float[] kv = new float[c.batch() * c.heads() * l.rank() * 2 * c.d()];
        float[] out = new float[c.outputSize()];
        RowSlices.run(subject.with("project"), rnd, LinformerAttention.projectRows(c.batch(), c.heads(), l.rank()),
                (off, cnt) -> {
                    if (fast) {
                        LinformerAttentionVector.project(c.k(), c.v(), l.proj(), kv, c.seqStart(), l.pattern(), c.heads(),
                                c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt);
                    } else {
                        LinformerAttention.project(c.k(), c.v(), l.proj(), kv, c.seqStart(), l.pattern(), c.heads(), c.d(),
                                c.ld(), c.kCol(), c.vCol(), off, cnt);
                    }
                }, kv);
        RowSlices.run(subject, rnd, QueryBlocks.rows(c.seqStart(), c.batch(), c.heads()), (off, cnt) -> {
            if (fast) {
                LinformerAttentionVector.attention(c.q(), kv, out, c.seqStart(), l.pattern(), c.heads(), c.d(), c.ld(),
                        off, cnt);
            } else {
                LinformerAttention.attention(c.q(), kv, out, c.seqStart(), l.pattern(), c.heads(), c.d(), c.ld(), off,
                        cnt);
            }
        }, out);
        return out;
    }
}
