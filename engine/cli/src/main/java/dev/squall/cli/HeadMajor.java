package dev.squall.cli;

/**
 * Conversions between the {@code [B, H, N, D]} tensors of the CLI (head-major, as PyTorch attention takes
 * them) and the kernels' token-major {@code [B·N, H·D]} layout, in which the heads of one token sit side by
 * side and a pattern can tell the heads apart.
 */
final class HeadMajor {
    private HeadMajor() {
    }

    /** {@code [B, H, N, D]} to {@code [B·N, H·D]}. */
    static float[] toTokenMajor(float[] x, int batch, int heads, int n, int d) {
        float[] out = new float[x.length];
        copy(x, out, batch, heads, n, d, true);
        return out;
    }

    /** {@code [B·N, H·D]} to {@code [B, H, N, D]}. */
    static float[] toHeadMajor(float[] x, int batch, int heads, int n, int d) {
        float[] out = new float[x.length];
        copy(x, out, batch, heads, n, d, false);
        return out;
    }

    private static void copy(float[] from, float[] to, int batch, int heads, int n, int d, boolean toTokens) {
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    int headMajor = ((b * heads + h) * n + i) * d;
                    int tokenMajor = ((b * n + i) * heads + h) * d;
                    System.arraycopy(from, toTokens ? headMajor : tokenMajor, to, toTokens ? tokenMajor : headMajor, d);
                }
            }
        }
    }
}
