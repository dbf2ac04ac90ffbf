package dev.squall.tasks.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.AttentionReference;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * {@link Int8KvAttention}: the cache quantisation equals its definition and errs by at most half a step per
 * element; the attention over the int8 caches equals the float64 attention over the dequantised keys and values
 * within the fp32 bound ({@code 1e-5 · Σ_j p_j|v̂_jc|}, as for the fused kernel), for every mask, separate and
 * packed Q/K/V and all awkward shapes of the attention tests; and against fp32 attention on the original keys
 * and values it stays within the bound the quantisation implies, per query:
 * {@code max_j s_v[j]/2 + (e^{2Δ} − 1)·max_{j,c} |v_jc|}, where {@code Δ = max_j Σ_c |q_c|·s_k[j]/(2√d)} bounds
 * the error of every score (a score error of at most Δ changes each probability by a factor within
 * {@code e^{±2Δ}}, so {@code Σ_j |p̂_j − p_j| <= e^{2Δ} − 1}), plus the fp32 bound.
 */
class Int8KvAttentionTest {
    /** Every shape with every mask and layout would repeat the attention tests; each shape takes three of them. */
    @Test
    void matchesAttentionOverTheDequantisedCache() {
        int[] masks = {0, AttentionMask.CAUSAL, AttentionMask.ADDITIVE, AttentionMask.CAUSAL | AttentionMask.ADDITIVE};
        java.util.List<AttentionCase.Shape> shapes = AttentionCase.awkwardShapes();
        int combo = 0;
        for (int flags : masks) {
            for (boolean packed : new boolean[] {false, true}) {
                for (int i = 0; i < shapes.size(); i++) {
                    if ((i + combo) % 8 < 3) {
                        RandomArrays rnd = RandomArrays.fresh();
                        check(AttentionCase.random(rnd, shapes.get(i), flags, packed), rnd);
                    }
                }
                combo++;
            }
        }
    }

    @Test
    void queryThatSeesNoKeyGetsZeros() {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {17, 5}, 3, 7),
                AttentionMask.ADDITIVE, false).hidingAllKeysFrom(0).hidingAllKeysFrom(4);
        check(c, rnd);
    }

    private static void check(AttentionCase c, RandomArrays rnd) {
        int heads = c.heads();
        int d = c.d();
        int rows = c.tokens() * heads;
        Subject subject = Subject.of("Int8KvAttention", c.describe(), rnd.seed()).rowsOf(heads * d);
        byte[] kCache = new byte[rows * d];
        byte[] vCache = new byte[rows * d];
        float[] kScales = new float[rows];
        float[] vScales = new float[rows];
        RowSlices.run(subject.with("quantizeHeads K"), rnd, rows,
                (off, cnt) -> Int8KvAttention.quantizeHeads(c.k(), kCache, kScales, heads, d, c.ld(), c.kCol(), off,
                        cnt), kScales);
        Int8KvAttention.quantizeHeads(c.v(), vCache, vScales, heads, d, c.ld(), c.vCol(), 0, rows);
        float[] kHat = dequantise(kCache, kScales, rows, d);
        float[] vHat = dequantise(vCache, vScales, rows, d);
        checkQuantisation(subject, c.k(), c.ld(), c.kCol(), kCache, kScales, kHat, heads, d, rows);

        float[] out = new float[c.outputSize()];
        RowSlices.run(subject, rnd, rows, (off, cnt) -> Int8KvAttention.attention(c.q(), kCache, kScales, vCache,
                vScales, c.mask(), out, c.seqStart(), heads, d, c.ld(), c.maskFlags(), c.maxLen(), off, cnt), out);

        AttentionCase dequantised = new AttentionCase(c.lengths(), c.seqStart(), c.maxLen(), heads, d, c.maskFlags(),
                false, queries(c), kHat, vHat, c.mask(), heads * d, 0, 0);
        AttentionReference ref = AttentionReference.of(dequantised);
        Tolerance.FP32.assertClose(subject.with("vs float64 over the dequantised cache"), out, ref.out(),
                ref.outScale());
        checkAgainstFp32(subject, c, out, kScales, vScales, ref.outScale());
    }

    private static void checkAgainstFp32(Subject subject, AttentionCase c, float[] out, float[] kScales,
                                         float[] vScales, double[] fp32Scale) {
        double[] exact = AttentionReference.of(c).out();
        int heads = c.heads();
        int d = c.d();
        for (int b = 0; b < c.batch(); b++) {
            for (int t = c.seqStart()[b]; t < c.seqStart()[b + 1]; t++) {
                for (int h = 0; h < heads; h++) {
                    double qAbs = 0;
                    for (int e = 0; e < d; e++) {
                        qAbs += Math.abs(c.q()[t * c.ld() + h * d + e]);
                    }
                    double delta = 0;
                    double vStep = 0;
                    double vMax = 0;
                    for (int j = c.seqStart()[b]; j < c.seqStart()[b + 1]; j++) {
                        delta = Math.max(delta, qAbs * kScales[j * heads + h] / 2 / Math.sqrt(d));
                        vStep = Math.max(vStep, vScales[j * heads + h] / 2);
                        for (int e = 0; e < d; e++) {
                            vMax = Math.max(vMax, Math.abs(c.v()[j * c.ld() + c.vCol() + h * d + e]));
                        }
                    }
                    double bound = vStep * (1 + 0x1p-16) + Math.expm1(2 * delta * (1 + 0x1p-16)) * vMax;
                    for (int e = 0; e < d; e++) {
                        int i = t * heads * d + h * d + e;
                        double err = Math.abs(out[i] - exact[i]);
                        assertTrue(err <= bound + 1e-5 * fp32Scale[i], subject + " vs fp32 keys and values at " + i
                                + ": error " + err + " > quantisation bound " + bound);
                    }
                }
            }
        }
    }

    /** Exact definition: scale = amax/127, q = roundf(v·(1/scale)); and |v − v̂| <= scale/2 (plus fp32 slack). */
    private static void checkQuantisation(Subject subject, float[] src, int ld, int col, byte[] cache, float[] scales,
                                          float[] hat, int heads, int d, int rows) {
        for (int row = 0; row < rows; row++) {
            int from = (row / heads) * ld + col + (row % heads) * d;
            float amax = 0f;
            for (int c = 0; c < d; c++) {
                amax = Math.max(amax, Math.abs(src[from + c]));
            }
            assertEquals(amax / 127f, scales[row], subject + " scale of row " + row);
            float inv = scales[row] != 0f ? 1f / scales[row] : 0f;
            for (int c = 0; c < d; c++) {
                float v = src[from + c] * inv;
                assertEquals((int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v), cache[row * d + c],
                        subject + " q at row " + row + " c " + c);
                double err = Math.abs(src[from + c] - (double) scales[row] * cache[row * d + c]);
                assertTrue(err <= scales[row] * (0.5 + 0x1p-16), subject + " error " + err + " at row " + row);
            }
        }
    }

    private static float[] dequantise(byte[] cache, float[] scales, int rows, int d) {
        float[] hat = new float[rows * d];
        for (int i = 0; i < hat.length; i++) {
            hat[i] = scales[i / d] * cache[i];
        }
        return hat;
    }

    /** The queries alone, {@code [tokens, heads·d]}. */
    private static float[] queries(AttentionCase c) {
        int hd = c.heads() * c.d();
        float[] q = Poison.array(c.tokens() * hd);
        for (int t = 0; t < c.tokens(); t++) {
            System.arraycopy(c.q(), t * c.ld(), q, t * hd, hd);
        }
        return q;
    }
}
