package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.CachedAttention;

/** Fast path of {@link CachedAttention#attention}: {@link CachedAttentionRows}' vector loops on the fp32 cache. */
@FastPathFor(CachedAttention.class)
public final class CachedAttentionVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public CachedAttentionVector() {
    }

    /** Fast {@link CachedAttention#attention}. */
    public static void attention(float[] q, float[] kCache, float[] vCache, float[] out, int[] position, int heads,
                                 int d, int ld, int window, int rowOffset, int rowCount) {
        CachedAttentionRows.attend(q, kCache, vCache, null, null, null, null, out, position, heads, d, ld, window,
                rowOffset, rowCount);
    }
}
