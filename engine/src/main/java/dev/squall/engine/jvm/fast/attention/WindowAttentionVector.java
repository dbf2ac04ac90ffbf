package dev.squall.engine.jvm.fast.attention;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.WindowAttention;

/**
 * {@link WindowAttention} (local, dilated, Longformer) on the tiles of {@link QueryGroup}. A dilated window is a
 * plain window over one residue class: query {@code i} sees keys {@code j ≡ i (mod D)}, so the queries and keys of
 * class {@code c} are the sub-sequences {@code c, c + D, ...}, and within it the window is {@code |i' − j'| ≤ W}
 * in sub-positions. Each class is processed as such: its queries gathered in groups, its keys and values packed
 * with stride {@code D}, key tiles on a grid of {@link QueryGroup#MAX_KEYS} sub-positions from the class's start.
 * Longformer's global positions are hidden inside the window tiles (−∞) and added once as a tile of their own
 * after them; a global query attends to every key ({@code j ≤ i} when causal) through dense tiles. Every query's
 * keys, tiles and order follow from its own position only, so results do not depend on the split.
 */
@FastPathFor(WindowAttention.class)
public final class WindowAttentionVector implements FastPath {
    private static final int KB = QueryGroup.MAX_KEYS;
    private static final int GROUP = QueryGroup.MAX_QUERIES;

    /** For {@link java.util.ServiceLoader}, which only reads the class: never called. */
    public WindowAttentionVector() {
    }

    /** The arguments of one call. */
    private record Shape(float[] q, float[] k, float[] v, float[] out, int[] pattern, int heads, int d, int ld,
                         int kCol, int vCol, boolean causal, int radius, int globals, int g0) {
    }

    /** Same contract as {@link WindowAttention#attention}. */
    public static void attention(float[] q, float[] k, float[] v, float[] out, int[] seqStart, int[] pattern,
                                 int heads, int d, int ld, int kCol, int vCol, int rowOffset, int rowCount) {
        Shape s = new Shape(q, k, v, out, pattern, heads, d, ld, kCol, vCol,
                (pattern[WindowAttention.FLAGS] & AttentionMask.CAUSAL) != 0, pattern[WindowAttention.RADIUS],
                pattern[WindowAttention.GLOBALS], WindowAttention.FIRST + pattern[WindowAttention.DILATIONS]);
        FusedAttentionVector.Workspace w = FusedAttentionVector.workspace();
        QueryRuns.forEach(seqStart, heads, rowOffset, rowCount, (h, b, start, end, i0, i1) -> {
            int dil = pattern[WindowAttention.FIRST + h % pattern[WindowAttention.DILATIONS]];
            // Classes from n on hold no token (a dilation near 2^31 would otherwise mean as many empty classes).
            for (int c = 0; c < Math.min(dil, end - start); c++) {
                windowQueries(w, s, h, start, end, i0, i1, dil, c);
            }
            globalQueries(w, s, h, start, end, i0, i1);
        });
    }

    /** The non-global queries of {@code [i0, i1)} in residue class {@code c} of dilation {@code dil}, by groups. */
    private static void windowQueries(FusedAttentionVector.Workspace w, Shape s, int h, int start, int end, int i0,
                                      int i1, int dil, int c) {
        int n = end - start;
        // Math.ceilDiv, not (x + D − 1)/D: that sum wraps around for a dilation near 2^31.
        int classKeys = Math.ceilDiv(n - c, dil);
        if (classKeys <= 0) {
            return;
        }
        // Sub-positions (i − c)/D of the class's queries in [i0, i1).
        int first = Math.max(0, Math.ceilDiv(i0 - start - c, dil));
        int last = Math.ceilDiv(i1 - start - c, dil); // exclusive
        int[] sub = w.sub;
        QueryGroup g = w.group;
        int qn = 0;
        for (int p = first; p < last; p++) {
            int i = c + p * dil;
            if (!WindowAttention.isGlobal(s.pattern(), s.g0(), s.globals(), i)) {
                sub[qn++] = p;
            }
            if (qn == GROUP || (p == last - 1 && qn > 0)) {
                windowGroup(w, s, h, start, n, dil, c, classKeys, qn);
                qn = 0;
            }
        }
    }

    /** Queries of sub-positions {@code w.sub[0 .. qn)} (ascending) of class {@code c}: window tiles, then globals. */
    private static void windowGroup(FusedAttentionVector.Workspace w, Shape s, int h, int start, int n, int dil, int c,
                                    int classKeys, int qn) {
        int d = s.d();
        int od = s.heads() * d;
        int[] sub = w.sub;
        QueryGroup g = w.group;
        for (int q = 0; q < qn; q++) {
            g.rows[q] = (start + c + sub[q] * dil) * s.ld() + h * d;
        }
        g.begin(s.q(), qn, d);
        KeyValuePanels kv = w.panels;
        kv.select(s.k(), s.v(), s.ld(), s.kCol() + h * d, s.vCol() + h * d, start + c, dil, classKeys, d);
        int radius = Math.min(s.radius(), classKeys); // no index sum below can wrap around
        int keyEnd = Math.min(classKeys, (s.causal() ? sub[qn - 1] : sub[qn - 1] + radius) + 1);
        int keyStart = Math.max(0, sub[0] - radius) / KB * KB;
        for (int j0 = keyStart; j0 < keyEnd; j0 += KB) {
            int kn = Math.min(KB, classKeys - j0);
            for (int q = 0; q < qn; q++) {
                int i = sub[q] - j0; // the query's sub-position relative to the tile
                int lo = Math.max(0, i - radius);
                int hi = Math.min(s.causal() ? i + 1 : kn, i + radius + 1);
                g.lo[q] = Math.min(lo, kn);
                g.hi[q] = Math.min(Math.max(hi, g.lo[q]), kn);
            }
            if (!g.anyVisible()) {
                continue;
            }
            kv.ensure(j0, j0 + kn);
            int tileStart = j0;
            g.tile(kv.keys, j0 * d, d, kn, kv.values, KeyValuePanels.valueOffset(j0), kv.valueStride(),
                    s.globals() == 0 ? null : (grp, c0, c1) -> hideGlobals(s, grp, c0, c1, n, dil, c, tileStart, kn));
        }
        globalKeys(w, s, h, start, n, dil, c, qn);
        for (int q = 0; q < qn; q++) {
            g.rows[q] = (start + c + sub[q] * dil) * od + h * d;
        }
        g.end(s.out());
    }

    /** The global positions of class {@code c} among keys {@code [j0, j0 + kn)} of the tile: −∞ where visible. */
    private static void hideGlobals(Shape s, QueryGroup g, int c0, int c1, int n, int dil, int c, int j0, int kn) {
        for (int e = 0; e < s.globals(); e++) {
            int p = s.pattern()[s.g0() + e];
            if (p >= n || (p - c) % dil != 0 || p < c) {
                continue;
            }
            int r = (p - c) / dil - j0;
            if (r < 0 || r >= kn) {
                continue;
            }
            for (int q = c0; q < c1; q++) {
                if (g.lo[q] <= r && r < g.hi[q]) {
                    g.tile[QueryGroup.at(r, q)] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /** The global keys for the group's (non-global) queries: each global position {@code ≤} the query's last key. */
    private static void globalKeys(FusedAttentionVector.Workspace w, Shape s, int h, int start, int n, int dil, int c,
                                   int qn) {
        int[] tokens = w.tokens(s.globals());
        int count = 0;
        while (count < s.globals() && s.pattern()[s.g0() + count] < n) {
            tokens[count] = start + s.pattern()[s.g0() + count];
            count++;
        }
        if (count == 0) {
            return;
        }
        int d = s.d();
        KeyValuePanels kv = w.gathered;
        kv.selectGathered(s.k(), s.v(), s.ld(), s.kCol() + h * d, s.vCol() + h * d, tokens, count, d);
        QueryGroup g = w.group;
        int[] sub = w.sub;
        for (int j0 = 0; j0 < count; j0 += KB) {
            int kn = Math.min(KB, count - j0);
            for (int q = 0; q < qn; q++) {
                int seen = kn;
                if (s.causal()) {
                    int i = c + sub[q] * dil;
                    seen = 0;
                    while (seen < kn && s.pattern()[s.g0() + j0 + seen] <= i) {
                        seen++;
                    }
                }
                g.lo[q] = 0;
                g.hi[q] = seen;
            }
            if (g.anyVisible()) {
                g.tile(kv.keys, j0 * d, d, kn, kv.values, KeyValuePanels.valueOffset(j0), kv.valueStride(), null);
            }
        }
    }

    /** The global queries of {@code [i0, i1)}: every key ({@code j ≤ i} when causal), as dense tiles. */
    private static void globalQueries(FusedAttentionVector.Workspace w, Shape s, int h, int start, int end, int i0,
                                      int i1) {
        int n = end - start;
        int d = s.d();
        int od = s.heads() * d;
        QueryGroup g = w.group;
        int[] sub = w.sub;
        int qn = 0;
        for (int e = 0; e < s.globals(); e++) {
            int i = s.pattern()[s.g0() + e];
            if (i >= i0 - start && i < i1 - start) {
                sub[qn++] = i;
            }
            if (qn == GROUP || (e == s.globals() - 1 && qn > 0)) {
                for (int q = 0; q < qn; q++) {
                    g.rows[q] = (start + sub[q]) * s.ld() + h * d;
                }
                g.begin(s.q(), qn, d);
                KeyValuePanels kv = w.panels;
                kv.select(s.k(), s.v(), s.ld(), s.kCol() + h * d, s.vCol() + h * d, start, 1, n, d);
                int keyEnd = s.causal() ? sub[qn - 1] + 1 : n;
                for (int j0 = 0; j0 < keyEnd; j0 += KB) {
                    int kn = Math.min(KB, n - j0);
                    for (int q = 0; q < qn; q++) {
                        g.lo[q] = 0;
                        g.hi[q] = s.causal() ? Math.max(0, Math.min(kn, sub[q] - j0 + 1)) : kn;
                    }
                    kv.ensure(j0, j0 + kn);
                    g.tile(kv.keys, j0 * d, d, kn, kv.values, KeyValuePanels.valueOffset(j0), kv.valueStride(), null);
                }
                for (int q = 0; q < qn; q++) {
                    g.rows[q] = (start + sub[q]) * od + h * d;
                }
                g.end(s.out());
                qn = 0;
            }
        }
    }
}
