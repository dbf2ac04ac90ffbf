package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;

/**
 * The effective boolean mask of a mask pattern on given inputs: which keys each query attends to, read
 * from the masked score matrix of the pattern's unfused form (so data-dependent patterns — top-k,
 * clusters — are covered too). Needs {@code tokens·heads·maxLen} floats: meant for sequences of up to a few
 * thousand tokens, for inspection and tests.
 */
public final class EffectiveMask {
    private EffectiveMask() {
    }

    /**
     * Runs the pattern's masked-score tasks on {@code backend} and returns, for each sequence {@code b} and
     * head {@code h}, {@code mask[b][h][i·n + j]}: whether query {@code i} attends to key {@code j}
     * ({@code n} = that sequence's length).
     */
    public static boolean[][][] of(AttentionPattern pattern, Backend backend, QkvLayout qkv, Sequences seqs, int heads,
                                   int headDim, boolean causal) {
        if (!(pattern instanceof MaskPattern mp)) {
            throw new IllegalArgumentException("pattern " + pattern.spec()
                    + " is not a mask over keys (it approximates attention differently): it has no effective mask");
        }
        mp.check(seqs, heads);
        TaskGraph g = new TaskGraph("effective-mask").transferToDevice(DataTransferMode.EVERY_EXECUTION,
                qkv.arrays().toArray());
        float[] masked = mp.addMaskedScores(g, "mask", qkv, seqs, heads, headDim, causal);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, masked);
        backend.plan(g).execute();
        int maxLen = seqs.maxLen();
        boolean[][][] mask = new boolean[seqs.batch()][heads][];
        for (int b = 0; b < seqs.batch(); b++) {
            int n = seqs.length(b);
            for (int h = 0; h < heads; h++) {
                boolean[] m = new boolean[n * n];
                for (int i = 0; i < n; i++) {
                    int row = (seqs.starts()[b] + i) * heads + h;
                    for (int j = 0; j < n; j++) {
                        m[i * n + j] = masked[row * maxLen + j] != Float.NEGATIVE_INFINITY;
                    }
                }
                mask[b][h] = m;
            }
        }
        return mask;
    }
}
