package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Linear attention with the simplified ReLU feature map of SLAB ("simplified linear attention"):
 * {@code φ(x) = max(x, 0)} element-wise and
 * <pre>
 *   out_i = φ(q_i)ᵀ · Σ_j φ(k_j) v_jᵀ  /  φ(q_i) · Σ_j φ(k_j)
 * </pre>
 * over the keys {@code j} of the query's sequence ({@code j ≤ i} with the causal mask). A query whose
 * denominator is 0 (no positive feature shared with any key) gets zeros. SLAB's depth-wise convolution on
 * V, a separate layer, is not part of this kernel. Cost {@code O(n·d²)} per (sequence, head), memory
 * {@code O(d²)}: the sums are a {@code d × d} matrix {@code S} and a vector {@code z}.
 *
 * <p>Non-causal: {@link #summarise} (one parallel row per (sequence, head)) computes {@code S} and
 * {@code z}, then {@link #attention} (one row per (token, head), {@code row = t·heads + h}) reads them
 * out. Causal, the prefix-sum form: {@link #causalScan} (one row per (sequence, head)) walks the sequence
 * once, adding {@code φ(k_i) v_iᵀ} and {@code φ(k_i)} to the running sums and then answering query
 * {@code i}. {@code state} is {@code [batch, heads, d·d + d]}: {@code S} row-major, then {@code z}.
 * {@link LinearAttentionBackward} is the causal scan's backward.
 */
public final class LinearAttention {
    private LinearAttention() {
    }

    /** Size of {@code state} for {@code batch} sequences. */
    public static int stateSize(int batch, int heads, int d) {
        return Math.multiplyExact(batch * heads, d * d + d);
    }

    /** {@code S} and {@code z} of parallel row {@code b·heads + h} over all keys of sequence {@code b}. */
    public static void summarise(float[] k, float[] v, int[] seqStart, @Out float[] state, int heads, int d, int ld,
                                 int kCol, int vCol, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / heads;
            int h = row % heads;
            int base = clear(state, row, d);
            for (int t = seqStart[b]; t < seqStart[b + 1]; t++) {
                accumulate(k, t * ld + kCol + h * d, v, t * ld + vCol + h * d, state, base, d);
            }
        }
    }

    /** Non-causal output of query {@code t}, head {@code h} (row {@code t·heads + h}) from the sums of {@link #summarise}. */
    public static void attention(float[] q, float[] state, @Out float[] out, int[] seqStart, int heads, int d, int ld,
                                 int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = row / heads;
            int h = row % heads;
            int b = AttentionMask.sequenceOf(seqStart, t);
            readout(q, t * ld + h * d, state, (b * heads + h) * (d * d + d), d, out, row * d);
        }
    }

    /** Causal linear attention, prefix-sum form: parallel row {@code b·heads + h} walks sequence {@code b}. */
    public static void causalScan(float[] q, float[] k, float[] v, @Out float[] state, @Out float[] out,
                                  int[] seqStart, int heads, int d, int ld, int kCol, int vCol, int rowOffset,
                                  int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / heads;
            int h = row % heads;
            int base = clear(state, row, d);
            for (int t = seqStart[b]; t < seqStart[b + 1]; t++) {
                accumulate(k, t * ld + kCol + h * d, v, t * ld + vCol + h * d, state, base, d);
                readout(q, t * ld + h * d, state, base, d, out, (t * heads + h) * d);
            }
        }
    }

    /** Adds {@code φ(k) vᵀ} to {@code S} and {@code φ(k)} to {@code z} of the sums at {@code state[base ..]}. */
    static void accumulate(float[] k, int kBase, float[] v, int vBase, float[] state, int base, int d) {
        for (int c = 0; c < d; c++) {
            float f = Math.max(k[kBase + c], 0f);
            if (f > 0f) {
                for (int e = 0; e < d; e++) {
                    state[base + c * d + e] += f * v[vBase + e];
                }
                state[base + d * d + c] += f;
            }
        }
    }

    /** {@code out[outBase ..+d) = φ(q)ᵀS / φ(q)·z}, or zeros when the denominator is 0. */
    private static void readout(float[] q, int qBase, float[] state, int base, int d, float[] out, int outBase) {
        float den = denominator(q, qBase, state, base, d);
        for (int e = 0; e < d; e++) {
            out[outBase + e] = 0f;
        }
        for (int c = 0; c < d; c++) {
            float f = Math.max(q[qBase + c], 0f);
            if (f > 0f) {
                for (int e = 0; e < d; e++) {
                    out[outBase + e] += f * state[base + c * d + e];
                }
            }
        }
        float inv = den > 0f ? 1f / den : 0f;
        for (int e = 0; e < d; e++) {
            out[outBase + e] *= inv;
        }
    }

    /** Zeroes the {@code d·d + d} sums of parallel row {@code row} in {@code state}; returns where they start. */
    static int clear(float[] state, int row, int d) {
        int base = row * (d * d + d);
        for (int e = 0; e < d * d + d; e++) {
            state[base + e] = 0f;
        }
        return base;
    }

    /** The read-out's denominator {@code φ(q)·z} from the sums at {@code state[base ..]}, summed in feature order. */
    static float denominator(float[] q, int qBase, float[] state, int base, int d) {
        float den = 0f;
        for (int c = 0; c < d; c++) {
            float f = Math.max(q[qBase + c], 0f);
            if (f > 0f) {
                den += f * state[base + d * d + c];
            }
        }
        return den;
    }
}
