package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.FusedAttention;

/**
 * Fast path of {@link FusedAttention#attention}: the same online softmax (over key tiles of its own size) on the
 * register-blocked tiles of {@link QueryGroup}, whose block shapes follow the vector shape ({@link TileKernels}).
 * Each key and value tile is packed once per head and call and kept for the thread's other query groups
 * ({@link KeyValuePanels}: two per-thread arrays of at most the sequence's {@code N·d} floats). Measured history:
 * {@code docs/performance.md}.
 *
 * <p>Consecutive query blocks of one head and sequence that fall in the same slice of rows are processed
 * together, up to {@link #GROUP} queries, so each key tile serves more queries. This does not change any
 * result: key tiles lie on a grid of {@link #KB} keys from the sequence start whatever the group, and a query's
 * result depends only on the keys it sees in each tile ({@link QueryGroup}). A query that sees no key gets zeros.
 */
@FastPathFor(FusedAttention.class)
public final class FusedAttentionVector implements FastPath {
    /**
     * Keys per tile: more than the plain kernel's {@link FusedAttention#KEY_BLOCK}, so each tile's P·V runs
     * deeper and the per-tile bookkeeping is paid less often. Online softmax gives the same result for any key
     * blocking, up to rounding.
     */
    static final int KB = QueryGroup.MAX_KEYS;
    /** Queries processed together. */
    static final int GROUP = QueryGroup.MAX_QUERIES;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public FusedAttentionVector() {
    }

    /** Per-thread state of the tiled attention fast paths. */
    static final class Workspace {
        final QueryGroup group = new QueryGroup();
        final KeyValuePanels panels = new KeyValuePanels();
        /** Gathered keys and values (Longformer's global positions). */
        final KeyValuePanels gathered = new KeyValuePanels();
        /** Positions of a group's queries (sub-positions of a residue class, global positions, ...). */
        final int[] sub = new int[QueryGroup.MAX_QUERIES];
        /** Tokens of gathered keys. */
        int[] tokens = new int[0];

        /** {@link #tokens}, at least {@code n} long. */
        int[] tokens(int n) {
            if (tokens.length < n) {
                tokens = new int[n];
            }
            return tokens;
        }
    }

    /** This thread's workspace, its packed keys forgotten (a new call may bring new keys and values). */
    static Workspace workspace() {
        Workspace w = WORKSPACE.get();
        w.panels.forget();
        w.gathered.forget();
        return w;
    }

    /** Fast {@link FusedAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] mask, float[] out, int[] seqStart,
                                 int heads, int d, int ld, int kCol, int vCol, int maskFlags, int maxLen,
                                 int rowOffset, int rowCount) {
        run(new Shape(q, k, v, mask, out, heads, d, ld, kCol, vCol, maskFlags, maxLen), seqStart, rowOffset, rowCount);
    }

    /** Fast {@link FusedAttention#attentionWithLse}, the forward that training runs: {@link ForwardWithLse}. */
    public static void attentionWithLse(float[] q, float[] k, float[] v, float[] out, float[] lse, int[] seqStart,
                                        int heads, int d, int ld, int kCol, int vCol, int causal, int rowOffset,
                                        int rowCount) {
        ForwardWithLse.run(q, k, v, out, lse, seqStart, heads, d, ld, kCol, vCol, causal, rowOffset, rowCount);
    }

    private static void run(Shape shape, int[] seqStart, int rowOffset, int rowCount) {
        Workspace w = workspace();
        QueryRuns.forEach(seqStart, shape.heads(), rowOffset, rowCount, (h, b, start, end, i0, i1) -> {
            for (int g = i0; g < i1; g += GROUP) {
                group(w, shape, h, start, end, g, Math.min(GROUP, i1 - g));
            }
        });
    }

    /** The arguments of one call. */
    private record Shape(float[] q, float[] k, float[] v, float[] mask, float[] out, int heads, int d, int ld,
                         int kCol, int vCol, int maskFlags, int maxLen) {
    }

    /** Queries {@code [i0, i0 + qn)} of head {@code h} in the sequence {@code [start, end)}, key tile by key tile. */
    private static void group(Workspace w, Shape s, int h, int start, int end, int i0, int qn) {
        int d = s.d();
        int od = s.heads() * d;
        int n = end - start;
        boolean causal = (s.maskFlags() & AttentionMask.CAUSAL) != 0;
        KeyValuePanels kv = w.panels;
        kv.select(s.k(), s.v(), s.ld(), s.kCol() + h * d, s.vCol() + h * d, start, 1, n, d);
        QueryGroup g = w.group;
        g.begin(s.q(), i0 * s.ld() + h * d, s.ld(), qn, d);
        int first = i0 - start; // the group's first query, counted from the sequence start
        int keyEnd = causal ? first + qn : n;
        boolean masked = (s.maskFlags() & (AttentionMask.ADDITIVE | AttentionMask.KEY_PADDING)) != 0;
        for (int j0 = 0; j0 < keyEnd; j0 += KB) {
            int kn = Math.min(KB, n - j0);
            for (int c = 0; c < qn; c++) {
                g.lo[c] = 0;
                g.hi[c] = causal ? Math.max(0, Math.min(kn, first + c - j0 + 1)) : kn;
            }
            if (!g.anyVisible()) {
                continue;
            }
            kv.ensure(j0, j0 + kn);
            int tileStart = j0;
            g.tile(kv.keys, j0 * d, d, kn, kv.values,
                    KeyValuePanels.valueOffset(j0), kv.valueStride(),
                    masked ? (grp, c0, c1) -> mask(s, grp, start, i0, c0, c1, tileStart) : null);
        }
        g.end(s.out(), i0 * od + h * d, od);
    }

    /**
     * Adds the additive and key-padding masks, in the scores' base-2 units ({@link QueryGroup#logitScale}), to the
     * visible scores of queries {@code [c0, c1)} in the tile at key {@code start + j0}.
     */
    private static void mask(Shape s, QueryGroup g, int start, int i0, int c0, int c1, int j0) {
        boolean additive = (s.maskFlags() & AttentionMask.ADDITIVE) != 0;
        boolean keyPadding = (s.maskFlags() & AttentionMask.KEY_PADDING) != 0;
        int keyMask = additive ? s.maxLen() * s.maxLen() : 0;
        float[] tile = g.tile;
        for (int c = c0; c < c1; c++) {
            int row = (i0 + c - start) * s.maxLen();
            for (int r = g.lo[c]; r < g.hi[c]; r++) {
                int j = j0 + r;
                int at = QueryGroup.at(r, c);
                float x = tile[at];
                if (additive) {
                    x += QueryGroup.maskInLogitUnits(s.mask()[row + j]);
                }
                if (keyPadding) {
                    x += QueryGroup.maskInLogitUnits(s.mask()[keyMask + start + j]);
                }
                tile[at] = x;
            }
        }
    }
}
