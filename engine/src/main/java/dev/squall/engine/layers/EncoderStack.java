package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.norm.Norms;

import java.util.List;

/**
 * PyTorch's {@code nn.TransformerEncoder}: encoder blocks one after another, then an optional final LayerNorm
 * ({@code norm}), built as one graph per layer ({@link EncoderBlock#addTo}) in one plan, each layer's output
 * kept on the device for the next.
 *
 * @param blocks    the layers, in order (at least one, all of one width)
 * @param normGamma the final norm's weight, or null without one
 * @param normBeta  its bias, or null
 * @param eps       its epsilon
 */
public record EncoderStack(List<EncoderBlock> blocks, float[] normGamma, float[] normBeta, float eps) {
    /** Checks that the blocks fit together and the norm has the model width. */
    public EncoderStack {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("an encoder needs at least one layer");
        }
        int d = blocks.getFirst().config().dModel();
        if (blocks.stream().anyMatch(b -> b.config().dModel() != d)) {
            throw new IllegalArgumentException("every layer of an encoder must have d_model=" + d);
        }
        if ((normGamma == null) != (normBeta == null) || (normGamma != null && (normGamma.length != d
                || normBeta.length != d))) {
            throw new IllegalArgumentException("the final norm needs a weight and a bias of d_model=" + d + " values");
        }
        blocks = List.copyOf(blocks);
    }

    /** Model width. */
    public int dModel() {
        return blocks.getFirst().config().dModel();
    }

    /**
     * The graphs of one run, one per layer (task names repeat between layers), each leaving its output on the
     * device for the next.
     *
     * @param graphs the graphs, to be planned together
     * @param input  {@code [tokens, d]}, transferred on every execution
     * @param output {@code [tokens, d]}, transferred back on every execution
     */
    public record Graphs(List<TaskGraph> graphs, float[] input, float[] output) {
    }

    /** The graphs of {@code variant} for {@code seqs}, attention by {@code attention}. */
    public Graphs build(EncoderBlock.Variant variant, Sequences seqs, AttentionOp attention) {
        int size = Math.multiplyExact(seqs.tokens(), dModel());
        float[] x = new float[size];
        float[] in = x;
        List<TaskGraph> graphs = new java.util.ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            TaskGraph g = new TaskGraph("layers." + i);
            if (i == 0) {
                g.transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
            } else {
                g.consumeFromDevice(in);
            }
            float[] out = new float[size];
            blocks.get(i).addTo(g, variant, seqs, attention, in, out);
            boolean last = i == blocks.size() - 1;
            if (last && normGamma != null) {
                float[] normed = new float[size];
                g.transferToDevice(DataTransferMode.FIRST_EXECUTION, normGamma, normBeta);
                g.task("norm", seqs.tokens(), Norms::layerNorm, out, normGamma, normBeta, normed, dModel(), eps);
                out = normed;
            }
            if (last) {
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            } else {
                g.persistOnDevice(out);
            }
            graphs.add(g);
            in = out;
        }
        return new Graphs(List.copyOf(graphs), x, in);
    }
}
