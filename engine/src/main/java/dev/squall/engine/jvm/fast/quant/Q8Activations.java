package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.fast.lanes.QuantLanes;
import dev.squall.engine.jvm.fast.math.VectorMath;

/**
 * Activations quantised into Q8_0 blocks ({@code BlockQ8.quantizeRows}) laid out, in per-thread scratch, for
 * {@link Q4Q8Gemv}. That GEMV reads the nibbles of a pair of blocks (32 bytes) as 16 16-bit lanes without any
 * conversion: lane {@code l} covers bytes {@code 2l, 2l + 1} of the pair, so its four nibble fields are weights
 * {@code u, u + 16, u + 1, u + 17} ({@code u = 2·(l mod 8)}) of block {@code l/8}. Per pair, {@link #lanes}
 * holds the matching four 16-lane activation vectors; {@link #bias} is what the GEMV subtracts when it turns
 * the pair's 8 int lane sums (16-bit lanes {@code 2t, 2t + 1}) into floats: {@code 1.5·2²³} plus the nibbles'
 * offsets, {@code 8·Σ} of those lanes' activations.
 *
 * @param lanes  per row and pair, 4 × 16 activations in field order
 * @param bias   per row and pair, 8 floats {@code 1.5·2²³ + 8·(activations of 16-bit lanes 2t and 2t + 1)}
 * @param dx     {@code d_x} as floats, per row and block
 * @param scales room for the scale products {@code d_w·d_x} of the weight rows of a call, in block order
 * @param blocks blocks per row
 */
record Q8Activations(short[] lanes, float[] bias, float[] dx, float[] scales, int blocks) {
    /** Activations per pair of blocks. */
    static final int PAIR = 64;
    private static final ThreadLocal<Q8Activations[]> SCRATCH = ThreadLocal.withInitial(() -> new Q8Activations[1]);
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * The {@code m} rows of {@code xq}, {@code xd} laid out in this thread's scratch (reused while large enough),
     * with room for the scales of {@code weightRows} weight rows.
     */
    static Q8Activations of(byte[] xq, short[] xd, int m, int blocks, int weightRows) {
        Q8Activations[] holder = SCRATCH.get();
        Q8Activations a = holder[0];
        int pairs = blocks / 2;
        int scales = weightRows * 2 * pairs + QuantLanes.L;
        if (a == null || a.lanes.length < m * pairs * PAIR || a.dx.length < m * blocks || a.scales.length < scales) {
            a = new Q8Activations(new short[m * pairs * PAIR], new float[m * pairs * QuantLanes.L],
                    new float[m * blocks], new float[scales], blocks);
            holder[0] = a;
        }
        a = new Q8Activations(a.lanes, a.bias, a.dx, a.scales, blocks);
        for (int b = 0; b < m * blocks; b++) {
            a.dx[b] = Float.float16ToFloat(xd[b]);
        }
        for (int i = 0; i < m; i++) {
            for (int pair = 0; pair < pairs; pair++) {
                int dst = (i * pairs + pair) * PAIR;
                for (int t = 0; t < QuantLanes.L; t++) {
                    int sum = 0;
                    for (int l = 2 * t; l < 2 * t + 2; l++) {
                        int src = (i * blocks + 2 * pair + l / 8) * 32 + 2 * (l % 8);
                        for (int f = 0; f < 4; f++) {
                            short v = xq[src + (f % 2) * 16 + f / 2];
                            a.lanes[dst + 16 * f + l] = v;
                            sum += v;
                        }
                    }
                    a.bias[(i * pairs + pair) * QuantLanes.L + t] = VectorMath.ROUNDER + 8 * sum;
                }
            }
        }
        return a;
    }

    /** {@code x[i, p] = d_x[i, p/32]·q_x[i, p]} in per-thread scratch: the activations the GEMM path multiplies. */
    static float[] dequantized(byte[] xq, short[] xd, int m, int k) {
        int blocks = (k + 31) / 32;
        float[][] holder = FLOATS.get();
        if (holder[0].length < m * k) {
            holder[0] = new float[m * k];
        }
        float[] x = holder[0];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                x[i * k + p] = Float.float16ToFloat(xd[i * blocks + p / 32]) * xq[(i * blocks + p / 32) * 32 + p % 32];
            }
        }
        return x;
    }
}
