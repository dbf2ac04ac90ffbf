package dev.squall.engine.jvm.fast;

/**
 * Activations quantised into Q8_0 blocks ({@code BlockQ8.quantizeRows}) laid out, in per-thread scratch, for
 * {@link Q4Q8Gemv}. That GEMV reads the nibbles of a pair of blocks (32 bytes) as 16 16-bit lanes without any
 * conversion: lane {@code l} covers bytes {@code 2l, 2l + 1} of the pair, so its four nibble fields are weights
 * {@code u, u + 16, u + 1, u + 17} ({@code u = 2·(l mod 8)}) of block {@code l/8}. Per pair, {@link #lanes}
 * holds the matching four 16-lane activation vectors and {@link #offsets} {@code 8·Σ} of the four per lane,
 * which removes the nibbles' offset of 8 with one subtraction. Scales are kept apart for the first and the
 * second block of each pair.
 *
 * @param lanes   per row and pair, 4 × 16 activations in field order
 * @param offsets per row and pair, 16 lanes of {@code 8·(X₀ + X₁ + X₂ + X₃)}
 * @param dxFirst  {@code d_x} of the first block of each pair, as floats, per row and pair
 * @param dxSecond {@code d_x} of the second block of each pair
 * @param first    the scale products {@code d_w·d_x} of the first blocks, per weight row and pair
 * @param second   the same for the second blocks
 * @param blocks  blocks per row
 */
record Q8Activations(short[] lanes, short[] offsets, float[] dxFirst, float[] dxSecond, float[] first,
                     float[] second, int blocks) {
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
        if (a == null || a.lanes.length < m * pairs * PAIR || a.dxFirst.length < m * pairs
                || a.first.length < weightRows * pairs) {
            a = new Q8Activations(new short[m * pairs * PAIR], new short[m * pairs * 16], new float[m * pairs],
                    new float[m * pairs], new float[weightRows * pairs], new float[weightRows * pairs], blocks);
            holder[0] = a;
        }
        a = new Q8Activations(a.lanes, a.offsets, a.dxFirst, a.dxSecond, a.first, a.second, blocks);
        for (int i = 0; i < m; i++) {
            for (int pair = 0; pair < pairs; pair++) {
                int dst = (i * pairs + pair) * PAIR;
                for (int l = 0; l < 16; l++) {
                    int src = (i * blocks + 2 * pair + l / 8) * 32 + 2 * (l % 8);
                    int sum = 0;
                    for (int f = 0; f < 4; f++) {
                        short v = xq[src + (f % 2) * 16 + f / 2];
                        a.lanes[dst + 16 * f + l] = v;
                        sum += v;
                    }
                    a.offsets[(i * pairs + pair) * 16 + l] = (short) (8 * sum);
                }
                a.dxFirst[i * pairs + pair] = Float.float16ToFloat(xd[i * blocks + 2 * pair]);
                a.dxSecond[i * pairs + pair] = Float.float16ToFloat(xd[i * blocks + 2 * pair + 1]);
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
