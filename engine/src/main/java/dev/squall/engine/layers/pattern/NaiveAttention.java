package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.attention.ScoreMasks;
import dev.squall.tasks.softmax.Softmax;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The steps of naive masked attention shared by the mask patterns' unfused forms. */
final class NaiveAttention {
    /** The additive mask argument of the dense score kernel, unused (no ADDITIVE flag); one element for device backends. */
    private static final float[] NO_MASK = new float[1];

    private NaiveAttention() {
    }

    /** Adds the dense score task ({@code name.scores}) and returns the {@code [tokens·heads, maxLen]} scores. */
    static float[] scores(TaskGraph g, String name, QkvLayout qkv, Sequences seqs, int heads, int headDim,
                          boolean causal) {
        int rows = Math.multiplyExact(seqs.tokens(), heads);
        long size = (long) rows * seqs.maxLen();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the unfused (dense, masked) form materialises tokens*heads*maxLen = "
                    + seqs.tokens() + "*" + heads + "*" + seqs.maxLen() + " scores, more than an array holds; use the "
                    + "fused form");
        }
        float[] scores = new float[(int) size];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, NO_MASK, seqs.starts());
        g.task(name + ".scores", rows, DenseAttention::scores, qkv.q(), qkv.k(), NO_MASK, scores, seqs.starts(), heads,
                headDim, qkv.ld(), qkv.kCol(), causal ? AttentionMask.CAUSAL : 0, seqs.maxLen());
        return scores;
    }

    /** Adds the row softmax and the weighted sum of the values ({@code name.softmax}, {@code name.weightedSum}). */
    static void finish(TaskGraph g, String name, float[] masked, QkvLayout qkv, float[] out, Sequences seqs, int heads,
                       int headDim) {
        int rows = seqs.tokens() * heads;
        float[] probs = new float[masked.length];
        g.task(name + ".softmax", rows, Softmax::softmax, masked, probs, seqs.maxLen());
        g.task(name + ".weightedSum", rows, DenseAttention::weightedSum, probs, qkv.v(), out, seqs.starts(), heads,
                headDim, qkv.ld(), qkv.vCol(), seqs.maxLen());
    }

    /**
     * Adds dense scores and the {@link ScoreMasks} step for a position-only pattern: one
     * {@code [maxLen, maxLen]} boolean mask per distinct (length, head variant), built here; returns the
     * masked scores.
     */
    static float[] staticMasked(TaskGraph g, String name, StaticMask pattern, QkvLayout qkv, Sequences seqs, int heads,
                                int headDim, boolean causal) {
        float[] scores = scores(g, name, qkv, seqs, heads, headDim, causal);
        int maxLen = seqs.maxLen();
        Map<List<Integer>, Integer> index = new HashMap<>();
        List<boolean[]> masks = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        int[] maskOf = new int[seqs.batch() * heads];
        for (int b = 0; b < seqs.batch(); b++) {
            int n = pattern.lengthDependent() ? seqs.length(b) : maxLen;
            for (int h = 0; h < heads; h++) {
                int variant = h % pattern.headVariants();
                maskOf[b * heads + h] = index.computeIfAbsent(List.of(n, variant), key -> {
                    masks.add(pattern.mask(n, variant, causal));
                    sizes.add(n);
                    return masks.size() - 1;
                });
            }
        }
        long bytes = (long) masks.size() * maxLen * maxLen;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the unfused form needs " + masks.size() + " masks of " + maxLen + "x"
                    + maxLen + ": too large; use the fused form");
        }
        byte[] all = new byte[(int) bytes];
        for (int m = 0; m < masks.size(); m++) {
            int n = sizes.get(m);
            boolean[] mask = masks.get(m);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    all[(m * maxLen + i) * maxLen + j] = (byte) (mask[i * n + j] ? 1 : 0);
                }
            }
        }
        float[] masked = new float[scores.length];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, all, maskOf);
        g.task(name + ".mask", seqs.tokens() * heads, ScoreMasks::apply, scores, all, maskOf, masked, seqs.starts(),
                heads, maxLen);
        return masked;
    }

    /** {@code values} as text, for specs: {@code 1,2,3} (or {@code sep}-separated). */
    static String join(int[] values, String sep) {
        return String.join(sep, Arrays.stream(values).mapToObj(Integer::toString).toList());
    }
}
