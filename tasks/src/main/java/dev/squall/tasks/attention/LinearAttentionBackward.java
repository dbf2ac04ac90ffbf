package dev.squall.tasks.attention;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Backward of causal linear attention ({@link LinearAttention#causalScan}): with {@code f_i = φ(q_i)},
 * {@code S_i = Σ_{j≤i} φ(k_j) v_jᵀ}, {@code z_i = Σ_{j≤i} φ(k_j)}, {@code den_i = f_i·z_i} and
 * {@code o_i = f_iᵀS_i / den_i}, an output gradient {@code g_i} gives
 * <pre>
 *   a_i = 1/den_i,  b_i = −(g_i·o_i)/den_i                     (∂/∂numerator and ∂/∂den_i)
 *   dq_i = [q_i > 0] ∘ (a_i·S_i g_i + b_i·z_i)                  (forward scan)
 *   U_j = Σ_{i≥j} a_i f_i g_iᵀ,  u_j = Σ_{i≥j} b_i f_i         (reverse scan)
 *   dk_j = [k_j > 0] ∘ (U_j v_j + u_j),  dv_j = U_jᵀ φ(k_j)
 * </pre>
 * and zeros for a query whose denominator is 0 (its output is the constant 0). {@code φ} is ReLU with derivative 0
 * at 0, as the forward's {@code f > 0} tests. Two kernels, in order, one parallel row per (sequence, head),
 * {@code row = b·heads + h}, as the forward scan:
 * <ol>
 *   <li>{@link #causalQueryGradient} walks the sequence forwards, rebuilding {@code S_i} and {@code z_i} as the
 *       plain forward does (the same sums in the same order, so the same {@code den_i}), and writes {@code dq} and the
 *       two coefficients {@code coef[2·(t·heads + h)] = {a, b}};</li>
 *   <li>{@link #causalKeyValueGradient} walks it backwards, accumulating {@code U} and {@code u}, and writes
 *       {@code dk} and {@code dv}.</li>
 * </ol>
 * Work {@code O(n·d²)} per kernel; state {@code O(d²)} per row in {@code state} (laid out as the forward's:
 * {@code [batch, heads, d·d + d]}, so the forward's array can serve: both kernels overwrite it); saved from the
 * forward: its output {@code out} only (no per-token or per-chunk state); workspace {@code coef},
 * {@code 2·tokens·heads} floats. Every output element has one owner and a fixed order: no atomics, bit-identical
 * for any split. Layout: {@code qkv} and {@code dqkv} packed as in {@link FusedAttentionBackward}; {@code out},
 * {@code dOut} {@code [tokens, heads·d]}.
 */
public final class LinearAttentionBackward {
    private LinearAttentionBackward() {
    }

    /** Size of {@code coef} for {@code tokens} tokens. */
    public static int coefficientSize(int tokens, int heads) {
        return Math.multiplyExact(2 * tokens, heads);
    }

    /** {@code dq} (the Q columns of {@code dqkv}) and {@code coef} by a forward scan of sequence {@code b}, head {@code h}. */
    public static void causalQueryGradient(float[] qkv, float[] out, float[] dOut, @Out float[] state,
                                           @Out float[] coef, @Out float[] dqkv, int[] seqStart, int heads, int d,
                                           int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / heads;
            int h = row % heads;
            int base = LinearAttention.clear(state, row, d);
            for (int t = seqStart[b]; t < seqStart[b + 1]; t++) {
                LinearAttention.accumulate(qkv, t * ld + kCol + h * d, qkv, t * ld + vCol + h * d, state, base, d);
                int qBase = t * ld + h * d;
                int o = (t * heads + h) * d;
                float den = LinearAttention.denominator(qkv, qBase, state, base, d);
                float a = den > 0f ? 1f / den : 0f;
                float bCoef = -a * KeyStream.score(dOut, o, out, o, d, 1f);
                coef[2 * (t * heads + h)] = a;
                coef[2 * (t * heads + h) + 1] = bCoef;
                for (int c = 0; c < d; c++) {
                    float dq = 0f;
                    if (qkv[qBase + c] > 0f) {
                        dq = a * KeyStream.score(state, base + c * d, dOut, o, d, 1f) + bCoef * state[base + d * d + c];
                    }
                    dqkv[qBase + c] = dq;
                }
            }
        }
    }

    /** {@code dk} and {@code dv} (the K and V columns of {@code dqkv}) by a reverse scan of sequence {@code b}, head {@code h}. */
    public static void causalKeyValueGradient(float[] qkv, float[] dOut, float[] coef, @Out float[] state,
                                              @Out float[] dqkv, int[] seqStart, int heads, int d, int ld, int kCol,
                                              int vCol, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int b = row / heads;
            int h = row % heads;
            int base = LinearAttention.clear(state, row, d);
            for (int t = seqStart[b + 1] - 1; t >= seqStart[b]; t--) {
                int qBase = t * ld + h * d;
                int o = (t * heads + h) * d;
                float a = coef[2 * (t * heads + h)];
                float bCoef = coef[2 * (t * heads + h) + 1];
                for (int c = 0; c < d; c++) {
                    float f = Math.max(qkv[qBase + c], 0f);
                    if (f > 0f) {
                        float fa = f * a;
                        for (int e = 0; e < d; e++) {
                            state[base + c * d + e] += fa * dOut[o + e];
                        }
                        state[base + d * d + c] += f * bCoef;
                    }
                }
                int kBase = t * ld + kCol + h * d;
                int vBase = t * ld + vCol + h * d;
                for (int c = 0; c < d; c++) {
                    float dk = 0f;
                    if (qkv[kBase + c] > 0f) {
                        dk = KeyStream.score(state, base + c * d, qkv, vBase, d, 1f) + state[base + d * d + c];
                    }
                    dqkv[kBase + c] = dk;
                }
                for (int e = 0; e < d; e++) {
                    float dv = 0f;
                    for (int c = 0; c < d; c++) {
                        float f = Math.max(qkv[kBase + c], 0f);
                        if (f > 0f) {
                            dv += f * state[base + c * d + e];
                        }
                    }
                    dqkv[vBase + e] = dv;
                }
            }
        }
    }
}
