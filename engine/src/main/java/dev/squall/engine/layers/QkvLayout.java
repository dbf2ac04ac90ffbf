package dev.squall.engine.layers;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Where the queries, keys and values of an attention step live, in the token-major layout of the
 * attention kernels: three arrays (possibly one array three times), a shared row stride and the column
 * where K and V start (Q always starts at column 0).
 *
 * @param q    query array
 * @param k    key array
 * @param v    value array
 * @param ld   row stride shared by the three
 * @param kCol first column of K
 * @param vCol first column of V
 */
public record QkvLayout(float[] q, float[] k, float[] v, int ld, int kCol, int vCol) {

    /** One packed {@code [tokens, 3·width]} projection: Q, K, V side by side. */
    public static QkvLayout packed(float[] qkv, int width) {
        return new QkvLayout(qkv, qkv, qkv, 3 * width, width, 2 * width);
    }

    /** Three {@code [tokens, width]} arrays. */
    public static QkvLayout separate(float[] q, float[] k, float[] v, int width) {
        return new QkvLayout(q, k, v, width, 0, 0);
    }

    /** The distinct arrays, for transfers. */
    public List<float[]> arrays() {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        return java.util.stream.Stream.of(q, k, v).filter(seen::add).toList();
    }
}
