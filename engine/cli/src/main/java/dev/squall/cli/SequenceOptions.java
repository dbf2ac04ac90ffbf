package dev.squall.cli;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.PaddedBatch;
import dev.squall.engine.layers.PaddedBlock;
import dev.squall.engine.layers.Sequences;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * How the rows of {@code op block}'s X split into sequences of different lengths: {@code --lengths},
 * {@code --cu-seqlens} or {@code --mask}, and {@code --packed}. X {@code [B, N, d]} is a padded batch: the
 * output is {@code [B, N, d]} with zero padding rows, computed with the padding masked or, with
 * {@code --packed}, removed. X {@code [T, d]} is already packed: its output is {@code [T, d]}.
 */
final class SequenceOptions {
    @Option(names = "--lengths", split = ",", paramLabel = "L", description = "Tokens of each sequence: one per "
            + "row of X [B, N, d] (each <= N, padding after them), or summing to the rows of X [T, d].")
    int[] lengths;

    @Option(names = "--cu-seqlens", split = ",", paramLabel = "OFFSET", description = "Sequence offsets instead of "
            + "--lengths: cumulative lengths, B+1 values from 0.")
    int[] cuSeqlens;

    @Option(names = "--mask", paramLabel = "M.npy", description = "Attention mask [B, N] of X [B, N, d] instead of "
            + "--lengths: 1 for tokens, 0 for padding, each row ones then zeros (float, int or bool).")
    Path mask;

    @Option(names = "--packed", description = "Remove the padding: run the real tokens only (default: run every row "
            + "and mask the padding keys). Same output, bit for bit.")
    boolean packed;

    /**
     * The graph that runs {@code block} on {@code x} as these options say, with the attention step computed by
     * {@code attention} (null: the block's dense attention for {@code variant}).
     */
    BlockGraph build(EncoderBlock block, EncoderBlock.Variant variant, NdArray x, AttentionOp attention) {
        AttentionOp op = attention != null ? attention : EncoderBlock.defaultAttention(variant);
        int given = (lengths != null ? 1 : 0) + (cuSeqlens != null ? 1 : 0) + (mask != null ? 1 : 0);
        if (given > 1) {
            throw new IllegalArgumentException("--lengths, --cu-seqlens and --mask are mutually exclusive");
        }
        if (given == 0) {
            if (packed) {
                throw new IllegalArgumentException("--packed needs --lengths, --cu-seqlens or --mask");
            }
            return block.build(variant, Sequences.uniform(x.rank() == 3 ? x.dim(0) : 1, x.dim(-2)), op);
        }
        if (x.rank() == 2) {
            return block.build(variant, packedSequences(x.dim(0)), op);
        }
        PaddedBatch batch = paddedBatch(x.dim(0), x.dim(1));
        if (attention != null && !packed) {
            throw new IllegalArgumentException("--pattern and --kv-cache int8 need the padding removed: add --packed "
                    + "(only dense attention masks padding keys)");
        }
        return new PaddedBlock(block).build(packed ? PaddedBlock.Mode.PACKED : PaddedBlock.Mode.PADDED, variant, batch,
                op);
    }

    /** The sequences of a packed X of {@code rows} tokens. */
    private Sequences packedSequences(int rows) {
        if (mask != null) {
            throw new IllegalArgumentException("--mask needs a padded X [B, N, d]; a packed X [T, d] takes --lengths "
                    + "or --cu-seqlens");
        }
        Sequences seqs = lengths != null ? named("--lengths", () -> Sequences.ofLengths(lengths))
                : named("--cu-seqlens", () -> Sequences.ofOffsets(cuSeqlens));
        if (seqs.tokens() != rows) {
            throw new IllegalArgumentException(argument() + " describe " + seqs.tokens() + " tokens but X has " + rows
                    + " rows");
        }
        return seqs;
    }

    /** The batch of a padded X of {@code batch} sequences of {@code n} rows. */
    private PaddedBatch paddedBatch(int batch, int n) {
        if (mask != null) {
            NdArray m = Inputs.read("--mask", mask);
            if (!Arrays.equals(m.shape(), new int[]{batch, n})) {
                throw new IllegalArgumentException("--mask must be [" + batch + ", " + n + "] like X's first two axes, got "
                        + m.describe());
            }
            float[] values = m.dtype() == DType.BOOL ? toFloats(m.toInts()) : m.toFloats();
            return named("--mask", () -> PaddedBatch.fromMask(values, batch, n));
        }
        Sequences seqs = lengths != null ? named("--lengths", () -> Sequences.ofLengths(lengths))
                : named("--cu-seqlens", () -> Sequences.ofOffsets(cuSeqlens));
        if (seqs.batch() != batch) {
            throw new IllegalArgumentException(argument() + " describe " + seqs.batch() + " sequences but X has " + batch
                    + " (X is [B, N, d])");
        }
        return named(argument(), () -> new PaddedBatch(seqs, n));
    }

    private String argument() {
        return lengths != null ? "--lengths" : "--cu-seqlens";
    }

    /** Runs {@code make}, naming {@code argument} in its error. */
    private static <T> T named(String argument, Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(argument + ": " + e.getMessage(), e);
        }
    }

    private static float[] toFloats(int[] ints) {
        float[] f = new float[ints.length];
        for (int i = 0; i < ints.length; i++) {
            f[i] = ints[i];
        }
        return f;
    }
}
