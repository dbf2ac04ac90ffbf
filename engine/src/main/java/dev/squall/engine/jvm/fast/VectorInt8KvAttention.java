package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.quant.Int8KvAttention;

/** Fast path of {@link Int8KvAttention#cachedAttention}: {@link VectorCachedAttention}'s loops on the int8 cache. */
@FastPathFor(Int8KvAttention.class)
public final class VectorInt8KvAttention {
    private VectorInt8KvAttention() {
    }

    /** Fast {@link Int8KvAttention#cachedAttention}. */
    public static void cachedAttention(float[] q, byte[] kCache, float[] kScales, byte[] vCache, float[] vScales,
                                       float[] out, int[] position, int heads, int d, int ld, int window, int rowOffset,
                                       int rowCount) {
        VectorCachedAttention.attend(q, null, null, kCache, kScales, vCache, vScales, out, position, heads, d, ld,
                window, rowOffset, rowCount);
    }
}
