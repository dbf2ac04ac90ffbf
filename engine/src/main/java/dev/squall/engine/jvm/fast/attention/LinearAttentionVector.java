package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.driver.GemmDriver;
import dev.squall.engine.jvm.fast.lanes.VectorWidth;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.attention.LinearAttention;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LinearAttention} as blocked products of {@link GemmDriver}: the sums {@code S = φ(K)ᵀ·V} of a (sequence,
 * head) over blocks of {@link GemmDriver#KC} tokens ({@code φ(K)ᵀ} of a block transposed into a per-thread buffer,
 * {@code z} summed on the way, token by token as the plain kernel does), the read-out {@code φ(Q)·S} of a run of
 * tokens of one head as one product, then divided by {@code φ(q)·z}. Causal: the chunked form of the prefix scan,
 * per chunk of {@link #CHUNK} tokens {@code out = φ(Q_c)·S_{<c} + tril(φ(Q_c)·φ(K_c)ᵀ)·V_c} (and the same for the
 * denominator) before the chunk's keys join the sums. Every (sequence, head) is computed by one call in one fixed
 * order, so results do not depend on the split; they differ from the plain kernels by the order of the sums.
 */
@FastPathFor(LinearAttention.class)
public final class LinearAttentionVector implements FastPath {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    private static final int BLOCK = GemmDriver.KC;
    /** Tokens per chunk of the causal scan. */
    static final int CHUNK = 64;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public LinearAttentionVector() {
    }

    /** Per-thread buffers: a transposed or rectified block of tokens, chunk products. */
    private static final class Buffers {
        float[] block = new float[0];
        float[] second = new float[0];
        float[] scores = new float[0];

        float[] block(int n) {
            if (block.length < n) {
                block = new float[n];
            }
            return block;
        }

        float[] second(int n) {
            if (second.length < n) {
                second = new float[n];
            }
            return second;
        }

        float[] scores(int n) {
            if (scores.length < n) {
                scores = new float[n];
            }
            return scores;
        }
    }

    /** Fast {@link LinearAttention#summarise}. */
    public static void summarise(float[] k, float[] v, int[] seqStart, float[] state, int heads, int d, int ld,
                                 int kCol, int vCol, int rowOffset, int rowCount) {
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int b = row / heads;
            int h = row % heads;
            int base = row * (d * d + d);
            Arrays.fill(state, base, base + d * d + d, 0f);
            for (int t0 = seqStart[b]; t0 < seqStart[b + 1]; t0 += BLOCK) {
                int m = Math.min(BLOCK, seqStart[b + 1] - t0);
                addKeys(k, v, t0, m, state, base, d, ld, kCol + h * d, vCol + h * d);
            }
        }
    }

    /** Fast {@link LinearAttention#attention}. */
    public static void attention(float[] q, float[] state, float[] out, int[] seqStart, int heads, int d, int ld,
                                 int rowOffset, int rowCount) {
        TokenRuns.forEach(seqStart, heads, rowOffset, rowCount, (t0, t1, start, len, h) -> {
            int b = dev.squall.tasks.attention.AttentionMask.sequenceOf(seqStart, t0);
            int base = (b * heads + h) * (d * d + d);
            for (int t = t0; t < t1; t += BLOCK) {
                int m = Math.min(BLOCK, t1 - t);
                float[] fq = rectified(BUFFERS.get().block(m * d), q, t, m, h * d, ld, d);
                readOut(fq, m, state, base, out, (t * heads + h) * d, heads * d, d, null, null, 0, 0, 0);
            }
        });
    }

    /** Fast {@link LinearAttention#causalScan}: chunk by chunk (see the class comment). */
    public static void causalScan(float[] q, float[] k, float[] v, float[] state, float[] out, int[] seqStart,
                                  int heads, int d, int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        Buffers w = BUFFERS.get();
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            int b = row / heads;
            int h = row % heads;
            int base = row * (d * d + d);
            Arrays.fill(state, base, base + d * d + d, 0f);
            for (int t0 = seqStart[b]; t0 < seqStart[b + 1]; t0 += CHUNK) {
                int m = Math.min(CHUNK, seqStart[b + 1] - t0);
                // Within the chunk: p[i][j] = φ(q_i)·φ(k_j) for j ≤ i, 0 above the diagonal.
                float[] fq = rectified(w.block(m * d), q, t0, m, h * d, ld, d);
                float[] fk = rectified(w.second(m * d), k, t0, m, kCol + h * d, ld, d);
                float[] p = w.scores(m * m);
                GemmDriver.product(new GemmDriver.Matrix(fq, d, 0, 0), new GemmDriver.Matrix(fk, d, 0, 0), true, p, 0, m,
                        m, m, d, false, null, 0, Activations.IDENTITY);
                for (int i = 0; i < m; i++) {
                    Arrays.fill(p, i * m + i + 1, i * m + m, 0f);
                }
                int o = (t0 * heads + h) * d;
                readOut(fq, m, state, base, out, o, heads * d, d, p, v, t0, ld, vCol + h * d);
                addKeys(k, v, t0, m, state, base, d, ld, kCol + h * d, vCol + h * d);
            }
        }
    }

    /**
     * Adds tokens {@code [t0, t0 + m)} ({@code m ≤ BLOCK}) to the sums at {@code state[base ..]}: {@code z} token by
     * token while {@code φ(K)ᵀ} is transposed, then {@code S += φ(K)ᵀ·V}.
     */
    private static void addKeys(float[] k, float[] v, int t0, int m, float[] state, int base, int d, int ld, int kOff,
                                int vOff) {
        float[] kt = BUFFERS.get().block(d * m);
        int z = base + d * d;
        for (int p = 0; p < m; p++) {
            int src = (t0 + p) * ld + kOff;
            for (int c = 0; c < d; c++) {
                float f = Math.max(k[src + c], 0f);
                kt[c * m + p] = f;
                state[z + c] += f;
            }
        }
        GemmDriver.product(new GemmDriver.Matrix(kt, m, 0, 0), new GemmDriver.Matrix(v, ld, t0, vOff), false, state,
                base, d, d, d, m, true, null, 0, Activations.IDENTITY);
    }

    /**
     * {@code out} rows {@code oOff + i·ldo} for the rectified queries {@code fq} ({@code i < m}, row stride
     * {@code d}): {@code (φ(q_i)ᵀS + Σ_j p[i][j]·v_j) / (φ(q_i)·z + Σ_j p[i][j])}, or zeros when the denominator is
     * 0, with the sums at {@code state[base ..]}; {@code p} (row stride {@code m}) the chunk's masked products, its
     * values the rows {@code v[(t0 + j)·ld + vOff ..]}, or null.
     */
    private static void readOut(float[] fq, int m, float[] state, int base, float[] out, int oOff, int ldo, int d,
                                float[] p, float[] v, int t0, int ld, int vOff) {
        GemmDriver.product(new GemmDriver.Matrix(fq, d, 0, 0), new GemmDriver.Matrix(state, d, 0, base), false, out,
                oOff, ldo, m, d, d, false, null, 0, Activations.IDENTITY);
        if (p != null) {
            GemmDriver.product(new GemmDriver.Matrix(p, m, 0, 0), new GemmDriver.Matrix(v, ld, t0, vOff), false, out,
                    oOff, ldo, m, d, m, true, null, 0, Activations.IDENTITY);
        }
        for (int i = 0; i < m; i++) {
            float den = dot(fq, i * d, state, base + d * d, d);
            if (p != null) {
                for (int j = 0; j <= i; j++) {
                    den += p[i * m + j];
                }
            }
            float inv = den > 0f ? 1f / den : 0f;
            scale(out, oOff + i * ldo, d, inv);
        }
    }

    /** {@code φ} of rows {@code q[(t0 + i)·ld + off ..+d)} for {@code i < m}, into {@code dst} row by row. */
    private static float[] rectified(float[] dst, float[] q, int t0, int m, int off, int ld, int d) {
        for (int i = 0; i < m; i++) {
            int src = (t0 + i) * ld + off;
            int c = 0;
            for (; c + L <= d; c += L) {
                FloatVector.fromArray(S, q, src + c).max(0f).intoArray(dst, i * d + c);
            }
            for (; c < d; c++) {
                dst[i * d + c] = Math.max(q[src + c], 0f);
            }
        }
        return dst;
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int d) {
        float s = 0f;
        for (int c = 0; c < d; c++) {
            s += a[aOff + c] * b[bOff + c];
        }
        return s;
    }

    private static void scale(float[] x, int off, int d, float f) {
        int c = 0;
        for (; c + L <= d; c += L) {
            FloatVector.fromArray(S, x, off + c).mul(f).intoArray(x, off + c);
        }
        for (; c < d; c++) {
            x[off + c] *= f;
        }
    }
}
