package dev.squall.engine.jvm.fast.quant;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.fast.attention.CachedAttentionRows;
import dev.squall.tasks.quant.Int8KvAttention;

/** Fast path of {@link Int8KvAttention#cachedAttention}: {@link CachedAttentionRows}' vector loops on the int8 cache. */
@FastPathFor(Int8KvAttention.class)
public final class Int8KvAttentionVector implements FastPath {
    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public Int8KvAttentionVector() {
    }

    /** Fast {@link Int8KvAttention#cachedAttention}. */
    public static void cachedAttention(float[] q, byte[] kCache, float[] kScales, byte[] vCache, float[] vScales,
                                       float[] out, int[] position, int heads, int d, int ld, int window, int rowOffset,
                                       int rowCount) {
        CachedAttentionRows.attend(q, null, null, kCache, kScales, vCache, vScales, out, position, heads, d, ld,
                window, rowOffset, rowCount);
    }
}
