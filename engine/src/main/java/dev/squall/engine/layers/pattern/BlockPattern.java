package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.BlockSparseAttention;
import dev.squall.tasks.attention.QueryBlocks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code block:B:LAYOUT.npy}, {@code fixed:B:S}, {@code strided:B:S}, {@code bigbird:B:W:G:R:SEED}: each
 * sequence is cut into blocks of {@code B} positions from its start (the last block partial, so {@code B}
 * need not divide the length) and query {@code i} sees the keys of the blocks its block row {@code i / B}
 * lists in the {@link BlockLayout}. Layouts are defined per sequence length: explicit, fixed and strided
 * layouts of a shorter sequence are the top-left corner of a longer one's (one list serves a whole batch);
 * BigBird's random blocks are drawn for each distinct number of blocks. Kernel: {@link BlockSparseAttention},
 * fed compressed-sparse-row lists built here.
 *
 * @param kind   {@code block}, {@code fixed}, {@code strided} or {@code bigbird}, for {@link #spec()}
 * @param block  block size {@code B >= 1}
 * @param layout which blocks each block row lists
 */
public record BlockPattern(String kind, int block, BlockLayout layout) implements MaskPattern, StaticMask {

    /** Checks the block size. */
    public BlockPattern {
        PatternParser.require(block >= 1, kind, "B (block size) must be >= 1, got " + block);
    }

    @Override
    public String spec() {
        return kind + ":" + block + ":" + layout.spec();
    }

    @Override
    public void check(Sequences seqs, int heads) {
        if (layout instanceof BlockLayout.Explicit e) {
            long covered = (long) e.blocks().length * block;
            PatternParser.require(covered >= seqs.maxLen(), kind, "the layout " + e.source() + " has "
                    + e.blocks().length + "x" + e.blocks().length + " blocks of B=" + block + ", covering " + covered
                    + " tokens, but the longest sequence has " + seqs.maxLen() + " (padded to a multiple of B: "
                    + blocks(seqs.maxLen()) * (long) block + ")");
        }
    }

    @Override
    public void addFused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                         boolean causal) {
        int[] pattern = {causal ? AttentionMask.CAUSAL : 0, block};
        int[] lists = lists(seqs, causal);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqs.starts(), pattern, lists);
        g.task(name, QueryBlocks.rows(seqs.starts(), seqs.batch(), heads), BlockSparseAttention::attention, qkv.q(),
                qkv.k(), qkv.v(), out, seqs.starts(), pattern, lists, heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol());
    }

    @Override
    public float[] addMaskedScores(TaskGraph g, String name, QkvLayout qkv, Sequences seqs, int heads, int headDim,
                                   boolean causal) {
        return NaiveAttention.staticMasked(g, name, this, qkv, seqs, heads, headDim, causal);
    }

    /**
     * The kernel's {@code layout} array: {@code batch} offsets, then one CSR list per distinct layout (one for
     * the whole batch unless the layout depends on the length).
     */
    int[] lists(Sequences seqs, boolean causal) {
        List<int[]> parts = new ArrayList<>();
        int size = seqs.batch();
        int[] offsets = new int[seqs.batch()];
        Map<Integer, Integer> offsetOfBlocks = new HashMap<>();
        for (int b = 0; b < seqs.batch(); b++) {
            int nb = blocks(layout.lengthDependent() ? seqs.length(b) : seqs.maxLen());
            Integer known = offsetOfBlocks.get(nb);
            if (known == null) {
                int[] csr = csr(nb, causal, size);
                parts.add(csr);
                known = size;
                size = Math.addExact(size, csr.length);
                offsetOfBlocks.put(nb, known);
            }
            offsets[b] = known;
        }
        int[] all = new int[size];
        System.arraycopy(offsets, 0, all, 0, offsets.length);
        int at = offsets.length;
        for (int[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** The CSR of {@code nb} block rows as it will sit at {@code base}: row pointers are absolute. */
    private int[] csr(int nb, boolean causal, int base) {
        int[][] rows = new int[nb][];
        int count = 0;
        for (int r = 0; r < nb; r++) {
            rows[r] = layout.row(r, nb, causal);
            count = Math.addExact(count, rows[r].length);
        }
        int[] csr = new int[Math.addExact(nb + 1, count)];
        int at = nb + 1;
        for (int r = 0; r < nb; r++) {
            csr[r] = base + at;
            System.arraycopy(rows[r], 0, csr, at, rows[r].length);
            at += rows[r].length;
        }
        csr[nb] = base + at;
        return csr;
    }

    @Override
    public boolean[] mask(int n, int h, boolean causal) {
        int nb = blocks(n);
        boolean[] mask = new boolean[n * n];
        for (int r = 0; r < nb; r++) {
            int[] cols = layout.row(r, nb, causal);
            for (int i = r * block; i < Math.min(n, (r + 1) * block); i++) {
                for (int c : cols) {
                    for (int j = c * block; j < Math.min(causal ? i + 1 : n, (c + 1) * block); j++) {
                        mask[i * n + j] = true;
                    }
                }
            }
        }
        return mask;
    }

    @Override
    public boolean lengthDependent() {
        return layout.lengthDependent();
    }

    @Override
    public int headVariants() {
        return 1;
    }

    /** Blocks of a sequence of {@code n} tokens. */
    int blocks(int n) {
        return (int) (((long) n + block - 1) / block);
    }
}
