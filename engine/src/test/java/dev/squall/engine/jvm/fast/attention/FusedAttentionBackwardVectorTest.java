package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionGradReference;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.attention.FusedAttentionBackward;
import dev.squall.tasks.attention.UnfusedAttentionBackward;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The fast fused attention backward ({@link FusedAttentionBackwardVector}) and the fast forward with log-sum-exp
 * ({@link FusedAttentionVector#attentionWithLse}) on packed QKV, causal and not: the awkward shapes of the plain
 * kernels' test ({@link AttentionCase#awkwardShapes()}: T = 1, lengths around the 16-token blocks, several
 * sequences including an empty one, 1 and 3 heads, d = 1, 7, 64) and shapes past the fast paths' tiles (sequences
 * over 128 and 256 tokens, groups split across sequences, a head dimension past {@link GemmDriver#fitsDepth}). Every
 * kernel runs with random row splits (bit-identical results required, outputs poisoned before each run), and each
 * gradient kernel must leave the other columns of {@code dqkv} poisoned.
 *
 * <p>Bounds: as the plain kernels' test, {@code 1e-5} of the scales of {@link AttentionGradReference#of} against
 * float64 for L, D and each gradient, and {@code 2e-5} of them (the sum of both bounds) against the plain kernels.
 */
class FusedAttentionBackwardVectorTest {
    /** The awkward shapes, and shapes past the 128-token tiles and groups. */
    static List<AttentionCase.Shape> shapes() {
        List<AttentionCase.Shape> shapes = new ArrayList<>(AttentionCase.awkwardShapes());
        shapes.add(new AttentionCase.Shape(new int[] {300}, 2, 32));
        shapes.add(new AttentionCase.Shape(new int[] {129, 257, 40}, 3, 16));
        shapes.add(new AttentionCase.Shape(new int[] {200, 1, 144}, 1, 64));
        shapes.add(new AttentionCase.Shape(new int[] {33, 20}, 2, 260));
        return shapes;
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesFloat64AndThePlainKernels(boolean causal) {
        for (AttentionCase.Shape s : shapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            check(AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, true), causal ? 1 : 0, rnd);
        }
    }

    /**
     * Slices that start inside a 128-token tile and run past the next ones (runs not on the tiles' grid, whose last
     * groups straddle a tile) give the bits of the whole-range call, for every kernel, causal and not.
     */
    @Test
    void unalignedRunsGiveTheBitsOfTheWholeRange() {
        RandomArrays rnd = RandomArrays.fresh();
        int heads = 2;
        for (int causal = 0; causal <= 1; causal++) {
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {300}, heads, 16),
                    causal != 0 ? AttentionMask.CAUSAL : 0, true);
            int rows = FusedAttention.rows(c.seqStart(), 1, heads);
            float[] dOut = rnd.gaussian(c.outputSize());
            float[] out = new float[c.outputSize()];
            float[] lse = new float[c.queryRows()];
            float[] delta = new float[c.queryRows()];
            FusedAttention.attentionWithLse(c.q(), c.q(), c.q(), out, lse, c.seqStart(), heads, c.d(), c.ld(), c.kCol(),
                    c.vCol(), causal, 0, rows);
            FusedAttentionBackward.outputDots(out, dOut, delta, c.d(), 0, c.queryRows());
            int flag = causal;
            Subject subject = Subject.of("FusedAttentionBackwardVector unaligned runs", c.describe(), rnd.seed());
            float[][] grads = new float[2][c.tokens() * c.ld()];
            float[][] outputs = new float[2][];
            for (int[] slices : new int[][] {{0, rows}, {0, heads, rows}, {0, 3 * heads + 1, rows}, {0, 9 * heads, rows}}) {
                Arrays.fill(grads[0], Float.NaN);
                Arrays.fill(grads[1], Float.NaN);
                float[] fwdOut = new float[out.length];
                float[] fwdLse = new float[lse.length];
                for (int s = 0; s + 1 < slices.length; s++) {
                    int off = slices[s];
                    int cnt = slices[s + 1] - off;
                    FusedAttentionBackwardVector.queryGradient(c.q(), dOut, lse, delta, grads[0], c.seqStart(), heads,
                            c.d(), c.ld(), c.kCol(), c.vCol(), flag, off, cnt);
                    FusedAttentionBackwardVector.keyValueGradient(c.q(), dOut, lse, delta, grads[1], c.seqStart(), heads,
                            c.d(), c.ld(), c.kCol(), c.vCol(), flag, off, cnt);
                    FusedAttentionVector.attentionWithLse(c.q(), c.q(), c.q(), fwdOut, fwdLse, c.seqStart(), heads, c.d(),
                            c.ld(), c.kCol(), c.vCol(), flag, off, cnt);
                }
                float[][] now = {grads[0].clone(), grads[1].clone(), fwdOut, fwdLse};
                if (outputs[0] == null) {
                    outputs = now;
                    continue;
                }
                for (int o = 0; o < now.length; o++) {
                    BitExact.assertIdentical(subject.with("output #" + o + " slices "
                            + Arrays.toString(slices)), outputs[o], now[o]);
                }
            }
        }
    }

    private static void check(AttentionCase c, int causal, RandomArrays rnd) {
        int heads = c.heads();
        int d = c.d();
        int[] seqStart = c.seqStart();
        float[] qkv = c.q();
        int ld = c.ld();
        int blockRows = FusedAttention.rows(seqStart, c.batch(), heads);
        Subject subject = Subject.of("FusedAttentionBackwardVector", c.describe(), rnd.seed()).rowsOf(heads * d);
        float[] dOut = rnd.gaussian(c.outputSize());
        AttentionGradReference ref = AttentionGradReference.of(c, dOut);

        float[] out = new float[c.outputSize()];
        float[] lse = new float[c.queryRows()];
        RowSlices.run(subject.with("attentionWithLse"), rnd, blockRows, (off, cnt) -> FusedAttentionVector
                .attentionWithLse(qkv, qkv, qkv, out, lse, seqStart, heads, d, ld, c.kCol(), c.vCol(), causal, off, cnt),
                out, lse);
        Tolerance.FP32.assertClose(subject.with("lse vs float64").rowsOf(heads), lse, ref.lse(), ref.lseScale());
        float[] plainOut = new float[out.length];
        float[] plainLse = new float[lse.length];
        FusedAttention.attentionWithLse(qkv, qkv, qkv, plainOut, plainLse, seqStart, heads, d, ld, c.kCol(), c.vCol(),
                causal, 0, blockRows);
        Tolerance.relative(2e-5).assertClose(subject.with("lse vs plain").rowsOf(heads), lse, toDouble(plainLse),
                ref.lseScale());

        float[] delta = new float[c.queryRows()];
        RowSlices.run(subject.with("outputDots"), rnd, c.queryRows(),
                (off, cnt) -> FusedAttentionBackwardVector.outputDots(out, dOut, delta, d, off, cnt), delta);
        Tolerance.FP32.assertClose(subject.with("D vs float64").rowsOf(heads), delta, ref.delta(), ref.deltaScale());

        float[] dq = new float[c.tokens() * ld];
        float[] dkv = new float[c.tokens() * ld];
        RowSlices.run(subject.with("queryGradient"), rnd, blockRows, (off, cnt) -> FusedAttentionBackwardVector
                .queryGradient(qkv, dOut, lse, delta, dq, seqStart, heads, d, ld, c.kCol(), c.vCol(), causal, off, cnt), dq);
        RowSlices.run(subject.with("keyValueGradient"), rnd, blockRows, (off, cnt) -> FusedAttentionBackwardVector
                .keyValueGradient(qkv, dOut, lse, delta, dkv, seqStart, heads, d, ld, c.kCol(), c.vCol(), causal, off,
                        cnt), dkv);
        float[] gotQ = UnfusedAttentionBackward.columns(subject.with("dq"), dq, c, 0);
        float[] gotK = UnfusedAttentionBackward.columns(subject.with("dk"), without(dkv, c, c.vCol()), c, c.kCol());
        float[] gotV = UnfusedAttentionBackward.columns(subject.with("dv"), without(dkv, c, c.kCol()), c, c.vCol());
        Tolerance.FP32.assertClose(subject.with("dq vs float64"), gotQ, ref.dq(), ref.dqScale());
        Tolerance.FP32.assertClose(subject.with("dk vs float64"), gotK, ref.dk(), ref.dkScale());
        Tolerance.FP32.assertClose(subject.with("dv vs float64"), gotV, ref.dv(), ref.dvScale());

        float[] plainDq = new float[dq.length];
        float[] plainDkv = new float[dkv.length];
        FusedAttentionBackward.queryGradient(qkv, dOut, lse, delta, plainDq, seqStart, heads, d, ld, c.kCol(), c.vCol(),
                causal, 0, blockRows);
        FusedAttentionBackward.keyValueGradient(qkv, dOut, lse, delta, plainDkv, seqStart, heads, d, ld, c.kCol(),
                c.vCol(), causal, 0, blockRows);
        Tolerance both = Tolerance.relative(2e-5);
        both.assertClose(subject.with("dq vs plain"), gotQ, toDouble(section(plainDq, c, 0)), ref.dqScale());
        both.assertClose(subject.with("dk vs plain"), gotK, toDouble(section(plainDkv, c, c.kCol())), ref.dkScale());
        both.assertClose(subject.with("dv vs plain"), gotV, toDouble(section(plainDkv, c, c.vCol())), ref.dvScale());
    }

    /** A copy of {@code a} with the {@code heads·d} columns from {@code col} of every token poisoned. */
    private static float[] without(float[] a, AttentionCase c, int col) {
        float[] copy = a.clone();
        for (int t = 0; t < c.tokens(); t++) {
            Arrays.fill(copy, t * c.ld() + col, t * c.ld() + col + c.heads() * c.d(), Float.NaN);
        }
        return copy;
    }

    /** The {@code [tokens, heads·d]} section of {@code a} from column {@code col}. */
    private static float[] section(float[] a, AttentionCase c, int col) {
        int width = c.heads() * c.d();
        float[] out = new float[c.tokens() * width];
        for (int t = 0; t < c.tokens(); t++) {
            System.arraycopy(a, t * c.ld() + col, out, t * width, width);
        }
        return out;
    }

    private static double[] toDouble(float[] x) {
        return dev.squall.engine.jvm.fast.gemm.GemmVectorTest.toDouble(x);
    }
}
