package dev.squall.tasks.attention;

import dev.squall.tasks.testing.RandomArrays;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link WindowAttention} (local, dilated, Longformer) against float64 dense attention with the pattern's
 * mask, written here from the definition: query {@code i} sees key {@code j} when {@code (i − j) mod D = 0}
 * and {@code |i − j| ≤ W·D}, or {@code i} or {@code j} is global; {@code j ≤ i} when causal. Random
 * radii, dilations (one for all heads or one per head) and global positions on every
 * {@link AttentionCase#awkwardShapes()} shape (packed variable-length batches included), plus the edge cases.
 */
class WindowAttentionTest {
    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void matchesDenseWithWindowMask(boolean causal) {
        for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, s, PatternCheck.flags(causal), rnd.chance(0.5));
            int radius = new int[] {0, 1, 2, 5, 17, 200}[rnd.nextInt(0, 5)];
            int[] dilations = new int[rnd.chance(0.5) ? 1 : c.heads()];
            for (int e = 0; e < dilations.length; e++) {
                dilations[e] = new int[] {1, 2, 3, 7, 150}[rnd.nextInt(0, 4)];
            }
            TreeSet<Integer> globals = new TreeSet<>();
            for (int g = rnd.nextInt(0, 3); g > 0; g--) {
                globals.add(rnd.nextInt(0, c.maxLen() - 1));
            }
            check(c, rnd, causal, radius, dilations, globals.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void edgeCases() {
        for (boolean causal : new boolean[] {false, true}) {
            // N = 1; window 0; N smaller than the window; dilation larger than N; globals at both ends.
            check(1, causal, 0, new int[] {1}, new int[0]);
            check(1, causal, 5, new int[] {3}, new int[] {0});
            check(40, causal, 0, new int[] {1}, new int[0]);
            check(40, causal, 100, new int[] {1}, new int[0]);
            check(40, causal, 3, new int[] {41}, new int[0]);
            check(40, causal, 2, new int[] {1, 5, 41}, new int[] {0, 39});
            check(70, causal, 4, new int[] {2}, new int[] {0, 1, 33, 68, 69});
            check(17, causal, 2, new int[] {1}, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        }
    }

    /** Globals past a shorter sequence's end do not exist there; the longest sequence has them. */
    @Test
    void globalsPastTheEndOfAShortSequence() {
        for (boolean causal : new boolean[] {false, true}) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {5, 90, 0, 33}, 3, 16),
                    PatternCheck.flags(causal), true);
            check(c, rnd, causal, 3, new int[] {1, 2, 4}, new int[] {2, 10, 40, 89});
        }
    }

    private static void check(int n, boolean causal, int radius, int[] dilations, int[] globals) {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {n, n / 2 + 1}, dilations.length, 8),
                PatternCheck.flags(causal), false);
        check(c, rnd, causal, radius, dilations, globals);
    }

    private static void check(AttentionCase c, RandomArrays rnd, boolean causal, int radius, int[] dilations,
                              int[] globals) {
        int[] pattern = descriptor(causal, radius, dilations, globals);
        PatternCheck.check(PatternCheck.subject("WindowAttention.attention", "W=" + radius + " D=" + Arrays.toString(dilations)
                        + " G=" + Arrays.toString(globals), c, rnd), c, rnd, PatternCheck.blockRows(c),
                (out, off, cnt) -> WindowAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern, c.heads(),
                        c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                (b, h, i, j) -> {
                    long dil = dilations[h % dilations.length];
                    boolean window = Math.abs(i - j) <= radius * dil && (i - j) % dil == 0;
                    return window || contains(globals, i) || contains(globals, j);
                });
    }

    static int[] descriptor(boolean causal, int radius, int[] dilations, int[] globals) {
        int[] p = new int[WindowAttention.FIRST + dilations.length + globals.length];
        p[WindowAttention.FLAGS] = PatternCheck.flags(causal);
        p[WindowAttention.RADIUS] = radius;
        p[WindowAttention.DILATIONS] = dilations.length;
        p[WindowAttention.GLOBALS] = globals.length;
        System.arraycopy(dilations, 0, p, WindowAttention.FIRST, dilations.length);
        System.arraycopy(globals, 0, p, WindowAttention.FIRST + dilations.length, globals.length);
        return p;
    }

    private static boolean contains(int[] values, int x) {
        return Arrays.stream(values).anyMatch(v -> v == x);
    }
}
