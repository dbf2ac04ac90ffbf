package dev.squall.tasks.attention;

import static org.junit.jupiter.api.Assertions.fail;

import dev.squall.tasks.softmax.Softmax;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;

/**
 * Runs the unfused attention backward on an {@link AttentionCase} from the probabilities of {@link UnfusedAttention}:
 * {@link DenseAttentionBackward#valueGradient}, {@link DenseAttentionBackward#probabilityGradient},
 * {@link Softmax#softmaxBackward}, {@link DenseAttentionBackward#queryGradient} and
 * {@link DenseAttentionBackward#keyGradient}, each through {@link RowSlices#run}. Each gradient is written into an
 * array laid out as its input (the packed QKV array's size when packed), which must keep its poison outside the
 * gradient's columns; the gradients are returned {@code [tokens, heads·d]}.
 *
 * @param dq queries' gradient
 * @param dk keys' gradient
 * @param dv values' gradient
 */
public record UnfusedAttentionBackward(float[] dq, float[] dk, float[] dv) {

    /** Runs the forward and backward kernels on {@code c} with output gradient {@code dOut}. */
    public static UnfusedAttentionBackward run(AttentionCase c, float[] dOut, RandomArrays rnd, Subject subject) {
        float[] p = UnfusedAttention.run(c, rnd, subject.with("forward")).probs();
        int rows = c.queryRows();
        int n = c.maxLen();
        int size = c.tokens() * c.ld();
        float[] dv = new float[size];
        float[] dp = new float[rows * n];
        float[] ds = new float[rows * n];
        float[] dq = new float[size];
        float[] dk = new float[size];
        RowSlices.run(subject.with("valueGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackward.valueGradient(p, dOut,
                dv, c.seqStart(), c.heads(), c.d(), c.ld(), c.vCol(), n, off, cnt), dv);
        RowSlices.run(subject.with("probabilityGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackward
                .probabilityGradient(dOut, c.v(), dp, c.seqStart(), c.heads(), c.d(), c.ld(), c.vCol(), n, off, cnt), dp);
        RowSlices.run(subject.with("softmaxBackward"), rnd, rows, (off, cnt) -> Softmax.softmaxBackward(p, dp, ds, n, off,
                cnt), ds);
        RowSlices.run(subject.with("queryGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackward.queryGradient(ds,
                c.k(), dq, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(), n, off, cnt), dq);
        RowSlices.run(subject.with("keyGradient"), rnd, rows, (off, cnt) -> DenseAttentionBackward.keyGradient(ds, c.q(),
                dk, c.seqStart(), c.heads(), c.d(), c.ld(), c.kCol(), n, off, cnt), dk);
        return new UnfusedAttentionBackward(columns(subject.with("dq"), dq, c, 0), columns(subject.with("dk"), dk, c,
                c.kCol()), columns(subject.with("dv"), dv, c, c.vCol()));
    }

    /**
     * The {@code [tokens, heads·d]} section of {@code a} (row stride {@code c.ld()}) starting at column {@code col};
     * fails if an element outside it was written (is not NaN).
     */
    public static float[] columns(Subject subject, float[] a, AttentionCase c, int col) {
        int width = c.heads() * c.d();
        float[] out = new float[c.tokens() * width];
        for (int t = 0; t < c.tokens(); t++) {
            for (int x = 0; x < c.ld(); x++) {
                float value = a[t * c.ld() + x];
                if (x >= col && x < col + width) {
                    out[t * width + x - col] = value;
                } else if (!Float.isNaN(value)) {
                    fail(subject + ": wrote token " + t + " column " + x + ", outside its columns " + col + ".."
                            + (col + width - 1));
                }
            }
        }
        return out;
    }
}
