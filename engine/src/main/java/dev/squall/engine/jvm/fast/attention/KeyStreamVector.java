package dev.squall.engine.jvm.fast.attention;

import dev.squall.tasks.attention.KeyStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KeyStream} with its tile work on the Java Vector API: the same state arrays (held here, one stream per
 * call of a fast path) and the same protocol (start a query with {@link #beginToken}, then {@link #add} its keys
 * and {@link #end} it), with the dot products four keys at a time along {@code d} and the weighted sum of
 * values held in vector registers per chunk of {@code d}. Results differ from the plain stream only by the
 * order of the dot products' sums. Every operation gives the same bits interpreted and compiled — lane-wise
 * IEEE arithmetic, FMA, lane sums in a fixed order, {@code Math.exp} per key (the Vector API's
 * {@code reduceLanes(ADD)} has no fixed order and its {@code EXP} differs between interpreter and C2) — so
 * results never depend on which thread ran a row while the JIT warms up.
 */
final class KeyStreamVector {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private final int[] ctx = new int[KeyStream.CTX];
    private final int[] keys = new int[KeyStream.TILE];
    private final float[] scores = new float[KeyStream.TILE];
    private final float[] st = new float[KeyStream.STATE];
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] out;

    /** A stream over queries of {@code q} and keys and values of {@code k}, {@code v}, writing {@code out}. */
    KeyStreamVector(float[] q, float[] k, float[] v, float[] out) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.out = out;
    }

    /** Starts query token {@code t} of head {@code h}, as {@link KeyStream#beginToken}. */
    void beginToken(int t, int h, int heads, int d, int ld, int kCol, int vCol) {
        KeyStream.beginToken(ctx, st, out, t, h, heads, d, ld, kCol, vCol);
    }

    /** Adds key {@code key} to the query's keys; folds the tile when it is full. */
    void add(int key) {
        int count = ctx[KeyStream.COUNT];
        keys[count] = key;
        ctx[KeyStream.COUNT] = count + 1;
        if (count + 1 == KeyStream.TILE) {
            flush();
        }
    }

    /** Folds the keys still in the tile and divides the output by the softmax sum (zeros if no key was added). */
    void end() {
        flush();
        float inv = st[KeyStream.SUM] > 0f ? 1f / st[KeyStream.SUM] : 0f;
        int o = ctx[KeyStream.OUT_BASE];
        int d = ctx[KeyStream.D];
        int c = 0;
        for (; c + L <= d; c += L) {
            FloatVector.fromArray(S, out, o + c).mul(inv).intoArray(out, o + c);
        }
        for (; c < d; c++) {
            out[o + c] *= inv;
        }
    }

    private void flush() {
        int count = ctx[KeyStream.COUNT];
        if (count == 0) {
            return;
        }
        ctx[KeyStream.COUNT] = 0;
        int d = ctx[KeyStream.D];
        int ld = ctx[KeyStream.LD];
        score(q, ctx[KeyStream.Q_BASE], k, ctx[KeyStream.K_OFF], ld, d, keys, count, st[KeyStream.SCALE], scores);
        float tileMax = Float.NEGATIVE_INFINITY;
        for (int n = 0; n < count; n++) {
            tileMax = Math.max(tileMax, scores[n]);
        }
        float newMax = Math.max(st[KeyStream.MAX], tileMax);
        if (newMax == Float.NEGATIVE_INFINITY) {
            return; // only −∞ scores so far, as in the plain stream
        }
        float correction = (float) Math.exp(st[KeyStream.MAX] - newMax);
        float sum = st[KeyStream.SUM] * correction;
        for (int n = 0; n < count; n++) {
            scores[n] = (float) Math.exp(scores[n] - newMax);
            sum += scores[n];
        }
        weightedSum(scores, keys, count, v, ctx[KeyStream.V_OFF], ld, correction, out, ctx[KeyStream.OUT_BASE], d);
        st[KeyStream.SUM] = sum;
        st[KeyStream.MAX] = newMax;
    }

    /** {@code scores[n] = q·k_{keys[n]}·scale}, four keys per pass so that each query load feeds four FMAs. */
    private static void score(float[] q, int qBase, float[] k, int kOff, int ld, int d, int[] keys, int count,
                              float scale, float[] scores) {
        int dv = d - d % L;
        float[] lanes = new float[L];
        int n = 0;
        for (; n + 4 <= count; n += 4) {
            int k0 = keys[n] * ld + kOff;
            int k1 = keys[n + 1] * ld + kOff;
            int k2 = keys[n + 2] * ld + kOff;
            int k3 = keys[n + 3] * ld + kOff;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (int c = 0; c < dv; c += L) {
                FloatVector qv = FloatVector.fromArray(S, q, qBase + c);
                a0 = qv.fma(FloatVector.fromArray(S, k, k0 + c), a0);
                a1 = qv.fma(FloatVector.fromArray(S, k, k1 + c), a1);
                a2 = qv.fma(FloatVector.fromArray(S, k, k2 + c), a2);
                a3 = qv.fma(FloatVector.fromArray(S, k, k3 + c), a3);
            }
            scores[n] = tail(q, qBase, k, k0, dv, d, sum(a0, lanes)) * scale;
            scores[n + 1] = tail(q, qBase, k, k1, dv, d, sum(a1, lanes)) * scale;
            scores[n + 2] = tail(q, qBase, k, k2, dv, d, sum(a2, lanes)) * scale;
            scores[n + 3] = tail(q, qBase, k, k3, dv, d, sum(a3, lanes)) * scale;
        }
        for (; n < count; n++) {
            int k0 = keys[n] * ld + kOff;
            FloatVector a0 = FloatVector.zero(S);
            for (int c = 0; c < dv; c += L) {
                a0 = FloatVector.fromArray(S, q, qBase + c).fma(FloatVector.fromArray(S, k, k0 + c), a0);
            }
            scores[n] = tail(q, qBase, k, k0, dv, d, sum(a0, lanes)) * scale;
        }
    }

    /** The lanes of {@code x} summed by halving (lane i plus lane i + L/2, and so on), always in that order. */
    private static float sum(FloatVector x, float[] lanes) {
        x.intoArray(lanes, 0);
        for (int half = L / 2; half > 0; half /= 2) {
            for (int i = 0; i < half; i++) {
                lanes[i] += lanes[i + half];
            }
        }
        return lanes[0];
    }

    private static float tail(float[] q, int qBase, float[] k, int kBase, int from, int d, float acc) {
        for (int c = from; c < d; c++) {
            acc += q[qBase + c] * k[kBase + c];
        }
        return acc;
    }

    /** {@code out = out·correction + Σ_n p[n]·v_{keys[n]}}, one chunk of {@code d} at a time, keys in order. */
    private static void weightedSum(float[] p, int[] keys, int count, float[] v, int vOff, int ld, float correction,
                                    float[] out, int outBase, int d) {
        int dv = d - d % L;
        for (int c = 0; c < dv; c += L) {
            FloatVector acc = FloatVector.fromArray(S, out, outBase + c).mul(correction);
            for (int n = 0; n < count; n++) {
                acc = FloatVector.fromArray(S, v, keys[n] * ld + vOff + c).fma(FloatVector.broadcast(S, p[n]), acc);
            }
            acc.intoArray(out, outBase + c);
        }
        for (int c = dv; c < d; c++) {
            float acc = out[outBase + c] * correction;
            for (int n = 0; n < count; n++) {
                acc += p[n] * v[keys[n] * ld + vOff + c];
            }
            out[outBase + c] = acc;
        }
    }
}
