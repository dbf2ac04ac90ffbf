package dev.squall.engine.layers.pattern;

/**
 * The work of an attention pattern on one sequence, in dense-score equivalents: the multiply-adds its definition
 * needs divided by those of one dense score ({@code 2d}: {@code q·k} and {@code p·v}), summed over the heads. So
 * that "time per score" compares kernels of different kinds:
 * <ul>
 *   <li>dense: every (query, key) pair, {@code j ≤ i} when causal;</li>
 *   <li>windows and block layouts: the pairs the pattern lets a query see (its visible scores);</li>
 *   <li>top-k: the kept keys (the selection itself needs every score: it costs dense attention and more);</li>
 *   <li>clusters: the mean cluster size {@code ⌈n/C⌉} plus the query itself, per query (an estimate: the real sizes
 *       follow from the data);</li>
 *   <li>Linformer: {@code 2·n·R} (projecting keys and values, {@code n·R·2d} multiply-adds, then attending to
 *       {@code R} projected keys);</li>
 *   <li>linear attention: {@code n·d} (the sums {@code φ(k)vᵀ} and the read-out {@code φ(q)ᵀS}, {@code 2d²} per
 *       token).</li>
 * </ul>
 */
public final class PatternWork {
    private PatternWork() {
    }

    /** Dense attention's scores for a sequence of {@code n} tokens. */
    public static long dense(int n, int heads, boolean causal) {
        long pairs = causal ? (long) n * (n + 1) / 2 : (long) n * n;
        return pairs * heads;
    }

    /** The work of {@code pattern} on a sequence of {@code n} tokens (see the class comment). */
    public static long of(AttentionPattern pattern, int n, int heads, int headDim, boolean causal) {
        long perHead = 0;
        if (pattern instanceof WindowPattern w) {
            long sum = 0;
            for (int h = 0; h < heads; h++) {
                sum += window(w, n, w.dilations()[h % w.dilations().length], causal);
            }
            return sum;
        } else if (pattern instanceof BlockPattern b) {
            perHead = blocks(b, n, causal);
        } else if (pattern instanceof TopKPattern t) {
            for (int i = 0; i < n; i++) {
                perHead += Math.min(t.k(), causal ? i + 1 : n);
            }
        } else if (pattern instanceof ClusterPattern c) {
            perHead = (long) n * ((n + c.clusters() - 1) / c.clusters() + 1);
        } else if (pattern instanceof LinformerPattern l) {
            perHead = 2L * n * l.rank();
        } else if (pattern instanceof LinearPattern) {
            perHead = (long) n * headDim;
        }
        return perHead * heads;
    }

    /** Visible pairs of a window with dilation {@code dil}: the window's keys, globals counted once. */
    private static long window(WindowPattern w, int n, long dil, boolean causal) {
        int[] globals = java.util.Arrays.stream(w.globals()).filter(p -> p < n).toArray();
        java.util.BitSet global = new java.util.BitSet(n);
        for (int p : globals) {
            global.set(p);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            int last = causal ? i : n - 1;
            if (global.get(i)) {
                sum += last + 1;
                continue;
            }
            long lo = Math.min(w.radius(), i / dil);
            long hi = causal ? 0 : Math.min(w.radius(), (n - 1 - i) / dil);
            sum += lo + hi + 1;
            for (int p : globals) {
                boolean inWindow = Math.abs((long) p - i) <= w.radius() * dil && (p - i) % dil == 0 && p <= last;
                sum += p <= last && !inWindow ? 1 : 0;
            }
        }
        return sum;
    }

    /** Visible pairs of a block layout: the listed blocks' keys, {@code j ≤ i} when causal. */
    private static long blocks(BlockPattern b, int n, boolean causal) {
        int block = b.block();
        int nb = (n + block - 1) / block;
        long sum = 0;
        for (int row = 0; row < nb; row++) {
            int[] listed = b.layout().row(row, nb, causal);
            for (int i = row * block; i < Math.min(n, row * block + block); i++) {
                int last = causal ? i : n - 1;
                for (int blk : listed) {
                    long j0 = (long) blk * block;
                    sum += Math.max(0, Math.min(j0 + block - 1, last) - j0 + 1);
                }
            }
        }
        return sum;
    }
}
