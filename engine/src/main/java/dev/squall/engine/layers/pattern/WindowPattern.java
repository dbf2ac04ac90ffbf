package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.attention.WindowAttention;

import java.util.Arrays;

/**
 * {@code local:W}, {@code dilated:W:D} and {@code longformer:W:D:G1,G2,..}: query {@code i} sees key
 * {@code j} when {@code (i − j) mod D = 0} and {@code |i − j| ≤ W·D} (the dilated window follows its
 * definition, as Longformer does: {@code W} keys on each side, {@code D} apart; {@code D = 1} is the local
 * window), or when {@code i} or {@code j} is a global position (it attends to everything and everything
 * attends to it). Positions count from each sequence's start; a global position at or past a shorter
 * sequence's end does not exist there. Kernel: {@link WindowAttention}.
 *
 * @param kind      {@code local}, {@code dilated} or {@code longformer}, for {@link #spec()}
 * @param radius    window radius {@code W >= 0}
 * @param dilations one dilation for all heads, or one per head (each {@code >= 1})
 * @param globals   global positions, strictly ascending, {@code >= 0}
 */
public record WindowPattern(String kind, int radius, int[] dilations, int[] globals) implements MaskPattern, StaticMask {

    /** Checks the parameters. */
    public WindowPattern {
        PatternParser.require(radius >= 0, kind, "W (window radius) must be >= 0, got " + radius);
        PatternParser.require(dilations.length >= 1, kind, "D (dilation) must be given");
        for (int d : dilations) {
            PatternParser.require(d >= 1, kind, "D (dilation) must be >= 1, got " + d);
        }
        for (int e = 0; e < globals.length; e++) {
            PatternParser.require(globals[e] >= 0, kind, "global position must be >= 0, got " + globals[e]);
            PatternParser.require(e == 0 || globals[e] > globals[e - 1], kind,
                    "global positions must be strictly ascending, got " + Arrays.toString(globals));
        }
        dilations = dilations.clone();
        globals = globals.clone();
    }

    @Override
    public String spec() {
        String d = NaiveAttention.join(dilations, "/");
        return switch (kind) {
            case "local" -> "local:" + radius;
            case "dilated" -> "dilated:" + radius + ":" + d;
            default -> "longformer:" + radius + ":" + d + (globals.length == 0 ? "" : ":" + NaiveAttention.join(globals, ","));
        };
    }

    @Override
    public void check(Sequences seqs, int heads) {
        PatternParser.require(dilations.length == 1 || dilations.length == heads, kind, dilations.length
                + " dilations given for " + heads + " heads: give one for all heads or one per head");
        for (int g : globals) {
            PatternParser.require(g < seqs.maxLen(), kind, "global position " + g
                    + " is out of range: the longest sequence has " + seqs.maxLen() + " tokens");
        }
    }

    @Override
    public void addFused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                         boolean causal) {
        int[] pattern = new int[WindowAttention.FIRST + dilations.length + globals.length];
        pattern[WindowAttention.FLAGS] = causal ? AttentionMask.CAUSAL : 0;
        pattern[WindowAttention.RADIUS] = Math.min(radius, seqs.maxLen()); // wider is the whole sequence
        pattern[WindowAttention.DILATIONS] = dilations.length;
        pattern[WindowAttention.GLOBALS] = globals.length;
        System.arraycopy(dilations, 0, pattern, WindowAttention.FIRST, dilations.length);
        System.arraycopy(globals, 0, pattern, WindowAttention.FIRST + dilations.length, globals.length);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqs.starts(), pattern);
        g.task(name, QueryBlocks.rows(seqs.starts(), seqs.batch(), heads), WindowAttention::attention, qkv.q(), qkv.k(),
                qkv.v(), out, seqs.starts(), pattern, heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol());
    }

    @Override
    public float[] addMaskedScores(TaskGraph g, String name, QkvLayout qkv, Sequences seqs, int heads, int headDim,
                                   boolean causal) {
        return NaiveAttention.staticMasked(g, name, this, qkv, seqs, heads, headDim, causal);
    }

    @Override
    public boolean[] mask(int n, int h, boolean causal) {
        long dil = dilations[h % dilations.length];
        boolean[] global = new boolean[n];
        for (int p : globals) {
            if (p < n) {
                global[p] = true;
            }
        }
        boolean[] mask = new boolean[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < (causal ? i + 1 : n); j++) {
                mask[i * n + j] = global[i] || global[j] || (Math.abs(i - j) <= radius * dil && (i - j) % dil == 0);
            }
        }
        return mask;
    }

    @Override
    public boolean lengthDependent() {
        return false;
    }

    @Override
    public int headVariants() {
        return dilations.length;
    }
}
