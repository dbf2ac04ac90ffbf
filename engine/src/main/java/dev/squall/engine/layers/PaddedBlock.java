package dev.squall.engine.layers;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.padding.Padding;

import java.util.Locale;

/**
 * An {@link EncoderBlock} on a padded batch {@code [batch, maxLen, d]} (see {@link PaddedBatch}), in one of
 * two modes that give the same output, bit for bit: {@code [batch, maxLen, d]} with every padding row
 * zero, whatever the padding rows of the input hold.
 * <ul>
 *   <li>{@link Mode#PADDED}: the block runs all {@code batch·maxLen} rows, padding included, and the
 *       attention hides the padding keys with a {@code KEY_PADDING} mask (what a framework without
 *       variable-length kernels does). The padding rows of the input are zeroed first, so that no NaN
 *       there can reach a real token through a zero attention weight.</li>
 *   <li>{@link Mode#PACKED}: padding removed: {@code Padding.unpad} packs the real tokens, the block runs
 *       on them alone ({@code tokens} rows, attention within each sequence's {@code cu_seqlens} range), and
 *       {@code Padding.pad} puts them back.</li>
 * </ul>
 * Each mode runs either {@link EncoderBlock.Variant}; "packed + fused" is {@code PACKED} with
 * {@code FUSED}. Why the two modes agree exactly: every kernel but attention works row by row, the same
 * way for a row wherever it sits; in attention a hidden key adds exact zeros (see the attention package
 * documentation), and both modes give the unfused score rows the same width (the padded length). This
 * holds for the plain kernels and any thread count; a CPU fast path keeps it if it computes a row the same
 * way wherever the row sits and maps {@code exp(−∞)} to exactly 0 ({@code PaddedBlockTest} checks).
 * Across variants (unfused vs fused) outputs agree within fp32 rounding only.
 */
public final class PaddedBlock {
    /** Whether the padding is computed (and masked) or removed. */
    public enum Mode { PADDED, PACKED }

    private final EncoderBlock block;

    /** The padded-batch front end of {@code block}. */
    public PaddedBlock(EncoderBlock block) {
        this.block = block;
    }

    /** Builds the graph of {@code mode} and {@code variant} for {@code batch}: input and output {@code [batch·maxLen, d]}. */
    public BlockGraph build(Mode mode, EncoderBlock.Variant variant, PaddedBatch batch) {
        return build(mode, variant, batch, EncoderBlock.defaultAttention(variant));
    }

    /**
     * As {@link #build(Mode, EncoderBlock.Variant, PaddedBatch)}, with the attention of the packed tokens computed
     * by {@code packedAttention} (e.g. a sparse pattern). Only {@link Mode#PACKED} takes one: masking padding keys
     * is what the dense attention kernels do in {@link Mode#PADDED}.
     */
    public BlockGraph build(Mode mode, EncoderBlock.Variant variant, PaddedBatch batch, AttentionOp packedAttention) {
        int d = block.config().dModel();
        TaskGraph g = new TaskGraph("block-" + mode.name().toLowerCase(Locale.ROOT) + "-"
                + variant.name().toLowerCase(Locale.ROOT));
        float[] x = new float[Math.multiplyExact(batch.rows(), d)];
        float[] y = new float[x.length];
        int[] cuSeqlens = batch.seqs().starts();
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, cuSeqlens);
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
        if (mode == Mode.PADDED) {
            if (!(packedAttention instanceof FusedAttentionOp || packedAttention instanceof UnfusedAttention)) {
                throw new IllegalArgumentException("attention '" + packedAttention.name() + "' runs on packed tokens "
                        + "only: remove the padding (Mode.PACKED) instead of masking it");
            }
            float[] in = new float[x.length];
            float[] out = new float[x.length];
            g.task("zero-padding.in", batch.rows(), Padding::zeroPadding, x, in, cuSeqlens, d, batch.maxLen());
            block.addTo(g, variant, batch.slots(), attention(variant, batch.keyPaddingMask()), in, out);
            g.task("zero-padding.out", batch.rows(), Padding::zeroPadding, out, y, cuSeqlens, d, batch.maxLen());
        } else {
            float[] in = new float[Math.multiplyExact(batch.tokens(), d)];
            float[] out = new float[in.length];
            g.task("unpad", batch.tokens(), Padding::unpad, x, in, cuSeqlens, d, batch.maxLen());
            // maxLen stays the padded length: score rows as wide as in PADDED mode, so that no softmax
            // implementation can split a row differently in the two modes.
            Sequences seqs = new Sequences(cuSeqlens, batch.maxLen());
            block.addTo(g, variant, seqs, packedAttention, in, out);
            g.task("pad", batch.rows(), Padding::pad, out, y, cuSeqlens, d, batch.maxLen());
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        return new BlockGraph(g, x, y);
    }

    /** Runs the block once on the padded input {@code x} ({@code [batch·maxLen, d]}) and returns a new output array. */
    public float[] forward(Backend backend, Mode mode, EncoderBlock.Variant variant, float[] x, PaddedBatch batch) {
        BlockGraph bg = build(mode, variant, batch);
        if (x.length != bg.input().length) {
            throw new IllegalArgumentException("x has " + x.length + " values, expected batch*maxLen*d_model = "
                    + batch.batch() + "*" + batch.maxLen() + "*" + block.config().dModel());
        }
        System.arraycopy(x, 0, bg.input(), 0, x.length);
        backend.plan(bg.graph()).execute();
        return bg.output();
    }

    /** The block's attention for {@code variant}, hiding the keys {@code keyPadding} masks (none when null). */
    private static AttentionOp attention(EncoderBlock.Variant variant, float[] keyPadding) {
        return variant == EncoderBlock.Variant.FUSED ? new FusedAttentionOp(keyPadding) : new UnfusedAttention(keyPadding);
    }
}
