package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.attention.WindowAttention;

/**
 * {@link WindowAttention} (local, dilated, Longformer) on the Vector API: the kernel's walk over each
 * query's keys — the same rows, the same window and global positions, in the same order — with the tiles
 * scored and folded by {@link KeyStreamVector}.
 */
@FastPathFor(WindowAttention.class)
public final class WindowAttentionVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public WindowAttentionVector() {
    }

    /** Same contract as {@link WindowAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int[] pattern,
                                 int heads, int d, int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        boolean causal = (pattern[WindowAttention.FLAGS] & AttentionMask.CAUSAL) != 0;
        int radius = pattern[WindowAttention.RADIUS];
        int globals = pattern[WindowAttention.GLOBALS];
        int g0 = WindowAttention.FIRST + pattern[WindowAttention.DILATIONS];
        if (globals == 0 && pattern[WindowAttention.DILATIONS] == 1 && pattern[WindowAttention.FIRST] == 1) {
            // A plain local window: blocked products over each query group's keys, not one key at a time
            // (about 4x faster; docs/performance.md).
            FusedAttentionVector.window(q, k, v, out, seqStart, heads, d, ld, kCol, vCol, causal, radius, rowOffset,
                    rowCount);
            return;
        }
        KeyStreamVector stream = new KeyStreamVector(q, k, v, out);
        int[] at = new int[QueryBlocks.SIZE];
        for (int row = rowOffset; row < rowOffset + rowCount; row++) {
            QueryBlocks.locate(seqStart, heads, row, at);
            int h = at[QueryBlocks.HEAD];
            int start = at[QueryBlocks.START];
            int n = at[QueryBlocks.LENGTH];
            int dil = pattern[WindowAttention.FIRST + h % pattern[WindowAttention.DILATIONS]];
            for (int t = at[QueryBlocks.FIRST]; t < at[QueryBlocks.END]; t++) {
                int i = t - start;
                int last = causal ? i : n - 1;
                stream.beginToken(t, h, heads, d, ld, kCol, vCol);
                if (WindowAttention.isGlobal(pattern, g0, globals, i)) {
                    for (int j = 0; j <= last; j++) {
                        stream.add(start + j);
                    }
                } else {
                    int hi = causal ? 0 : Math.min(radius, (n - 1 - i) / dil);
                    int g = 0;
                    for (int m = -Math.min(radius, i / dil); m <= hi; m++) {
                        int j = i + m * dil;
                        while (g < globals && pattern[g0 + g] < j) {
                            g++;
                        }
                        if (g >= globals || pattern[g0 + g] != j) {
                            stream.add(start + j);
                        }
                    }
                    for (int e = 0; e < globals && pattern[g0 + e] <= last; e++) {
                        stream.add(start + pattern[g0 + e]);
                    }
                }
                stream.end();
            }
        }
    }
}
