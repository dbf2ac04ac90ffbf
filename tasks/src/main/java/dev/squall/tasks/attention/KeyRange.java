package dev.squall.tasks.attention;

/**
 * The keys a window of radius {@code radius} leaves visible: query {@code i} sees key {@code j} when
 * {@code |i − j| <= radius} (and, causal, {@code j <= i}), within its sequence {@code [start, end)}; a radius of
 * {@link Integer#MAX_VALUE} (or of at least the sequence length) is dense attention. Written without
 * {@code i ± radius}, so the largest radius cannot overflow. Shared by the fused forward and backward kernels.
 */
public final class KeyRange {
    private KeyRange() {
    }

    /** The first position that position {@code i} of a sequence starting at {@code start} reaches: {@code max(start, i − radius)}. */
    public static int first(int radius, int start, int i) {
        return i - Math.min(radius, i - start);
    }

    /**
     * One past the last key that any query before {@code i1} sees: {@code i1} when causal, else
     * {@code min(end, i1 + radius)}; with {@code causal = 0} it is also one past the last query that sees any key
     * before {@code i1}, causal or not.
     */
    public static int end(int causal, int radius, int end, int i1) {
        return causal != 0 ? i1 : i1 + Math.min(radius, end - i1);
    }

    /** Whether key {@code j} lies outside the window of query {@code i}: {@code |i − j| > radius}. */
    public static boolean outside(int radius, int i, int j) {
        return (i - j > radius) | (j - i > radius);
    }
}
