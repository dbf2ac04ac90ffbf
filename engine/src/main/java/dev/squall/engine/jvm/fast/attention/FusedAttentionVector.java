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
    private static final int QB = FusedAttention.QUERY_BLOCK;
    /**
     * Keys per tile: more than the plain kernel's {@link FusedAttention#KEY_BLOCK}, so each tile's P·V runs
     * deeper and the per-tile bookkeeping is paid less often. Online softmax gives the same result for any key
     * blocking, up to rounding.
     */
    static final int KB = QueryGroup.MAX_KEYS;
    /** Queries processed together: up to eight query blocks. */
    static final int GROUP = QueryGroup.MAX_QUERIES;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public FusedAttentionVector() {
    }

    /** Per-thread state of the tiled attention fast paths. */
    static final class Workspace {
        final QueryGroup group = new QueryGroup();
        final KeyValuePanels panels = new KeyValuePanels();
    }

    /** This thread's workspace, its packed keys forgotten (a new call may bring new keys and values). */
    static Workspace workspace() {
        Workspace w = WORKSPACE.get();
        w.panels.forget();
        return w;
    }

    /** Fast {@link FusedAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] mask, float[] out, int[] seqStart,
                                 int heads, int d, int ld, int kCol, int vCol, int maskFlags, int maxLen,
                                 int rowOffset, int rowCount) {
        run(new Shape(q, k, v, mask, out, heads, d, ld, kCol, vCol, maskFlags, maxLen, -1), seqStart, rowOffset,
                rowCount);
    }

    /**
     * A local window ({@link dev.squall.tasks.attention.WindowAttention} with dilation 1 and no global
     * positions): query {@code i} sees keys {@code |i − j| ≤ radius} of its sequence ({@code j ≤ i} too when
     * causal), on the same rows.
     */
    static void window(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int heads, int d, int ld,
                       int kCol, int vCol, boolean causal, int radius, int rowOffset, int rowCount) {
        run(new Shape(q, k, v, null, out, heads, d, ld, kCol, vCol, causal ? AttentionMask.CAUSAL : 0, 0, radius),
                seqStart, rowOffset, rowCount);
    }

    private static void run(Shape shape, int[] seqStart, int rowOffset, int rowCount) {
        if (rowCount <= 0) {
            return;
        }
        Workspace w = workspace();
        int heads = shape.heads();
        int firstBlock = rowOffset / heads;
        int lastBlock = (rowOffset + rowCount - 1) / heads;
        for (int h = 0; h < heads; h++) {
            // Query blocks of head h in this slice: rows blk·heads + h within [rowOffset, rowOffset + rowCount).
            int blk = rowOffset <= firstBlock * heads + h ? firstBlock : firstBlock + 1;
            int blkEnd = rowOffset + rowCount > lastBlock * heads + h ? lastBlock + 1 : lastBlock;
            int b = 0;
            int seqFirstBlock = 0;
            while (blk < blkEnd) {
                while (blk >= seqFirstBlock + FusedAttention.blocksOf(seqStart, b)) {
                    seqFirstBlock += FusedAttention.blocksOf(seqStart, b);
                    b++;
                }
                int blocks = Math.min(Math.min(GROUP / QB, blkEnd - blk),
                        seqFirstBlock + FusedAttention.blocksOf(seqStart, b) - blk);
                int i0 = seqStart[b] + (blk - seqFirstBlock) * QB;
                int i1 = Math.min(i0 + blocks * QB, seqStart[b + 1]);
                group(w, shape, h, seqStart[b], seqStart[b + 1], i0, i1 - i0);
                blk += blocks;
            }
        }
    }

    /** The arguments of one call; {@code radius} bounds {@code |i − j|}, or is negative for no window. */
    private record Shape(float[] q, float[] k, float[] v, float[] mask, float[] out, int heads, int d, int ld,
                         int kCol, int vCol, int maskFlags, int maxLen, int radius) {
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
        g.begin(s.q(), i0 * s.ld() + h * d, s.ld(), qn, d, s.out(), i0 * od + h * d, od);
        // A window as wide as the sequence is the whole sequence; clamped, no index sum below can wrap around.
        int radius = Math.min(s.radius(), n);
        int first = i0 - start; // the group's first query, counted from the sequence start
        int keyEnd = causal ? first + qn : n;
        int keyStart = 0;
        if (radius >= 0) {
            keyEnd = Math.min(keyEnd, first + qn + radius);
            keyStart = Math.max(0, first - radius) / KB * KB;
        }
        boolean masked = (s.maskFlags() & (AttentionMask.ADDITIVE | AttentionMask.KEY_PADDING)) != 0;
        for (int j0 = keyStart; j0 < keyEnd; j0 += KB) {
            int kn = Math.min(KB, n - j0);
            for (int c = 0; c < qn; c++) {
                int i = first + c - j0; // the query's position relative to the tile
                int lo = 0;
                int hi = causal ? Math.min(kn, i + 1) : kn;
                if (radius >= 0) {
                    lo = Math.max(0, i - radius);
                    hi = Math.min(hi, i + radius + 1);
                }
                g.lo[c] = Math.min(lo, kn);
                g.hi[c] = Math.max(hi, g.lo[c]);
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
        g.end();
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
