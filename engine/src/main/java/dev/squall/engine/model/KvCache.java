package dev.squall.engine.model;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.CachedAttention;
import dev.squall.tasks.quant.Int8KvAttention;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The keys and values of every layer of a decoder for one sequence, up to {@code capacity} positions,
 * token-major ({@code [capacity, heads·d]}, as {@link CachedAttention} reads them): in fp32, or in int8 with an
 * fp32 scale per (position, head) ({@link Int8KvAttention}, a quarter of the bytes). Graphs fill and read it
 * through {@link #addAppend} and {@link #addAttention}, positions coming from an {@code int[]} the caller sets
 * before each execution.
 */
public final class KvCache {
    /** How the cache stores keys and values. */
    public enum Kind {
        /** fp32, exactly the projections' values. */
        FP32,
        /** int8 per (position, head) with an fp32 scale. */
        INT8;

        /** {@code fp32} or {@code int8}, case-insensitive. */
        public static Kind parse(String s) {
            return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
                case "fp32" -> FP32;
                case "int8" -> INT8;
                default -> throw new IllegalArgumentException("KV cache must be fp32 or int8, got '" + s + "'");
            };
        }
    }

    private final Kind kind;
    private final int capacity;
    private final int heads;
    private final int headDim;
    private final Object[] keys;
    private final Object[] values;
    private final float[][] keyScales;
    private final float[][] valueScales;

    /** An empty cache of {@code layers} layers. */
    public KvCache(Kind kind, int layers, int capacity, int heads, int headDim) {
        if (layers < 1 || capacity < 1 || heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("KV cache sizes must be >= 1");
        }
        this.kind = kind;
        this.capacity = capacity;
        this.heads = heads;
        this.headDim = headDim;
        int size = Math.multiplyExact(capacity, heads * headDim);
        keys = new Object[layers];
        values = new Object[layers];
        keyScales = new float[layers][];
        valueScales = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = kind == Kind.FP32 ? new float[size] : new byte[size];
            values[l] = kind == Kind.FP32 ? new float[size] : new byte[size];
            if (kind == Kind.INT8) {
                keyScales[l] = new float[capacity * heads];
                valueScales[l] = new float[capacity * heads];
            }
        }
    }

    /** fp32 or int8. */
    public Kind kind() {
        return kind;
    }

    /** Positions it holds. */
    public int capacity() {
        return capacity;
    }

    /** Every array of the cache, for transfers. */
    public List<Object> arrays() {
        List<Object> all = new ArrayList<>();
        for (int l = 0; l < keys.length; l++) {
            all.add(keys[l]);
            all.add(values[l]);
            if (kind == Kind.INT8) {
                all.add(keyScales[l]);
                all.add(valueScales[l]);
            }
        }
        return all;
    }

    /** Bytes of the whole cache. */
    public long bytes() {
        return arrays().stream().mapToLong(dev.squall.engine.graph.ArraySizes::bytes).sum();
    }

    /**
     * Adds the task(s) storing the keys and values of {@code rows} new tokens, from a packed QKV projection
     * {@code [rows, 3C]}, into layer {@code layer} at positions {@code position[0] + t}.
     */
    public void addAppend(TaskGraph g, String name, int layer, float[] qkv, int rows, int[] position) {
        int c = heads * headDim;
        int pairs = rows * heads;
        if (kind == Kind.FP32) {
            g.task(name, pairs, CachedAttention::append, qkv, (float[]) keys[layer], (float[]) values[layer], position,
                    heads, headDim, 3 * c, c, 2 * c);
        } else {
            g.task(name + ".k", pairs, Int8KvAttention::append, qkv, (byte[]) keys[layer], keyScales[layer], position,
                    heads, headDim, 3 * c, c);
            g.task(name + ".v", pairs, Int8KvAttention::append, qkv, (byte[]) values[layer], valueScales[layer],
                    position, heads, headDim, 3 * c, 2 * c);
        }
    }

    /**
     * Adds the attention of {@code rows} new queries (Q of a packed QKV projection) over layer {@code layer}'s
     * cache, query {@code t} at position {@code position[0] + t} seeing the {@code window} positions before it
     * and itself; {@code out} is {@code [rows, C]}.
     */
    public void addAttention(TaskGraph g, String name, int layer, float[] qkv, float[] out, int rows, int[] position,
                             int window) {
        int c = heads * headDim;
        if (kind == Kind.FP32) {
            g.task(name, rows * heads, CachedAttention::attention, qkv, (float[]) keys[layer], (float[]) values[layer],
                    out, position, heads, headDim, 3 * c, window);
        } else {
            g.task(name, rows * heads, Int8KvAttention::cachedAttention, qkv, (byte[]) keys[layer], keyScales[layer],
                    (byte[]) values[layer], valueScales[layer], out, position, heads, headDim, 3 * c, window);
        }
    }
}
