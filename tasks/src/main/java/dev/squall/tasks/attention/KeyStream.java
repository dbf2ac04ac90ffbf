package dev.squall.tasks.attention;

/**
 * Online softmax of one query over a stream of keys that a sparse kernel names one at a time: the shared
 * core of the pattern kernels. A kernel enumerates exactly the keys its pattern lets the query see (a
 * window, a dilated stride, a list of blocks, a list of indices) and hands each to {@link #add}; keys are
 * gathered into tiles of {@link #TILE}, whose scores are computed together and folded into the running
 * output with one rescale per tile, as {@link FusedAttention} does per key block. At most one tile of
 * scores exists, so working memory is independent of the number of keys.
 *
 * <p>The state of the query being computed lives in four small arrays that the kernel allocates once per
 * parallel row (constant sizes, private memory on a device): {@code int[CTX] ctx} (bases and strides,
 * indexed by the constants below), {@code int[TILE] keys}, {@code float[TILE] scores} and
 * {@code float[STATE] st} (running maximum, running sum, score scale). Key {@code j} is read at
 * {@code k[j·ld + kOff ..]} and {@code v[j·ld + vOff ..]}: for token keys {@code j} is the token and
 * {@code kOff = kCol + h·d}; for other key arrays (Linformer's projected keys) the kernel sets the
 * stride and offsets to match.
 */
public final class KeyStream {
    /** Keys per tile. */
    public static final int TILE = 64;

    /** {@code ctx} index: first element of the query vector in {@code q}. */
    public static final int Q_BASE = 0;
    /** {@code ctx} index: offset of key 0's vector in {@code k}. */
    public static final int K_OFF = 1;
    /** {@code ctx} index: offset of key 0's vector in {@code v}. */
    public static final int V_OFF = 2;
    /** {@code ctx} index: stride between consecutive keys (and values). */
    public static final int LD = 3;
    /** {@code ctx} index: head dimension. */
    public static final int D = 4;
    /** {@code ctx} index: first element of the query's output vector. */
    public static final int OUT_BASE = 5;
    /** {@code ctx} index: keys waiting in the current tile. */
    public static final int COUNT = 6;
    /** {@code ctx} index: 1 when the kernel supplies the scores ({@link #addScored}), 0 when they are computed. */
    public static final int SCORED = 7;
    /** Size of {@code ctx}. */
    public static final int CTX = 8;

    /** {@code st} index: running maximum of the scores. */
    public static final int MAX = 0;
    /** {@code st} index: running sum of {@code exp(score − max)}. */
    public static final int SUM = 1;
    /** {@code st} index: score scale {@code 1/√d}. */
    public static final int SCALE = 2;
    /** Size of {@code st}. */
    public static final int STATE = 3;

    private KeyStream() {
    }

    /**
     * Starts a query: records where its vectors live, zeroes its output, empties the tile and the running
     * softmax. {@code kvLd}, {@code kOff} and {@code vOff} locate the keys as described in the class comment.
     */
    public static void begin(int[] ctx, float[] st, float[] out, int qBase, int outBase, int kvLd, int kOff, int vOff,
                             int d, float scale) {
        ctx[Q_BASE] = qBase;
        ctx[K_OFF] = kOff;
        ctx[V_OFF] = vOff;
        ctx[LD] = kvLd;
        ctx[D] = d;
        ctx[OUT_BASE] = outBase;
        ctx[COUNT] = 0;
        ctx[SCORED] = 0;
        st[MAX] = Float.NEGATIVE_INFINITY;
        st[SUM] = 0f;
        st[SCALE] = scale;
        for (int c = 0; c < d; c++) {
            out[outBase + c] = 0f;
        }
    }

    /** Starts a query of token {@code t}, head {@code h}, against token keys: the usual {@link #begin}. */
    public static void beginToken(int[] ctx, float[] st, float[] out, int t, int h, int heads, int d, int ld, int kCol,
                                  int vCol) {
        begin(ctx, st, out, t * ld + h * d, (t * heads + h) * d, ld, kCol + h * d, vCol + h * d, d,
                AttentionMask.scale(d));
    }

    /** Adds key {@code key} to the query's keys; folds the tile when it is full. */
    public static void add(int key, int[] ctx, int[] keys, float[] scores, float[] st, float[] q, float[] k, float[] v,
                           float[] out) {
        keys[ctx[COUNT]] = key;
        ctx[COUNT] = ctx[COUNT] + 1;
        if (ctx[COUNT] == TILE) {
            flush(ctx, keys, scores, st, q, k, v, out);
        }
    }

    /** Adds key {@code key} whose scaled score the kernel already knows (no dot product is computed). */
    public static void addScored(int key, float score, int[] ctx, int[] keys, float[] scores, float[] st, float[] v,
                                 float[] out) {
        ctx[SCORED] = 1;
        keys[ctx[COUNT]] = key;
        scores[ctx[COUNT]] = score;
        ctx[COUNT] = ctx[COUNT] + 1;
        if (ctx[COUNT] == TILE) {
            fold(ctx, keys, scores, st, v, out);
        }
    }

    /** Folds the keys still in the tile and divides the output by the softmax sum (zeros if no key was added). */
    public static void end(int[] ctx, int[] keys, float[] scores, float[] st, float[] q, float[] k, float[] v,
                           float[] out) {
        flush(ctx, keys, scores, st, q, k, v, out);
        float inv = st[SUM] > 0f ? 1f / st[SUM] : 0f;
        int outBase = ctx[OUT_BASE];
        for (int c = 0; c < ctx[D]; c++) {
            out[outBase + c] *= inv;
        }
    }

    /** Scaled dot product {@code q[qBase..]·k[kBase..]·scale}, in the order of {@link AttentionMask#score}. */
    public static float score(float[] q, int qBase, float[] k, int kBase, int d, float scale) {
        float dot = 0f;
        for (int c = 0; c < d; c++) {
            dot += q[qBase + c] * k[kBase + c];
        }
        return dot * scale;
    }

    /** Scores the keys in the tile (unless the kernel supplied them) and folds them. */
    private static void flush(int[] ctx, int[] keys, float[] scores, float[] st, float[] q, float[] k, float[] v,
                              float[] out) {
        if (ctx[SCORED] == 0) {
            for (int n = 0; n < ctx[COUNT]; n++) {
                scores[n] = score(q, ctx[Q_BASE], k, keys[n] * ctx[LD] + ctx[K_OFF], ctx[D], st[SCALE]);
            }
        }
        fold(ctx, keys, scores, st, v, out);
    }

    /**
     * Online-softmax step over the tile: raises the running maximum, rescales the partial output and sum
     * once, then adds {@code exp(score − max)·v} for each key of the tile, and empties the tile.
     */
    private static void fold(int[] ctx, int[] keys, float[] scores, float[] st, float[] v, float[] out) {
        int count = ctx[COUNT];
        ctx[COUNT] = 0;
        float tileMax = Float.NEGATIVE_INFINITY;
        for (int n = 0; n < count; n++) {
            tileMax = Math.max(tileMax, scores[n]);
        }
        float newMax = Math.max(st[MAX], tileMax);
        if (newMax == Float.NEGATIVE_INFINITY) {
            return; // empty tile, or only −∞ scores so far
        }
        int d = ctx[D];
        int outBase = ctx[OUT_BASE];
        float correction = (float) Math.exp(st[MAX] - newMax);
        for (int c = 0; c < d; c++) {
            out[outBase + c] *= correction;
        }
        float sum = st[SUM] * correction;
        for (int n = 0; n < count; n++) {
            float p = (float) Math.exp(scores[n] - newMax);
            sum += p;
            int vBase = keys[n] * ctx[LD] + ctx[V_OFF];
            for (int c = 0; c < d; c++) {
                out[outBase + c] += p * v[vBase + c];
            }
        }
        st[SUM] = sum;
        st[MAX] = newMax;
    }
}
