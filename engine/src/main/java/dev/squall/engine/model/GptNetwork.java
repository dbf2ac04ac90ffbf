package dev.squall.engine.model;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.embedding.Embeddings;
import dev.squall.tasks.padding.Padding;

import java.util.ArrayList;
import java.util.List;

/**
 * A GPT decoder's weights and linear layers, chained into forward graphs: token and position embeddings, the
 * blocks ({@link GptBlock}), {@code ln_f}, and the logits by the output head. The same recipe builds the graph
 * of a whole batch (logits, prefill) and of one decode step; only the rows and the attention step differ.
 *
 * @param weights the named tensors
 * @param layers  the linear layers in their weight format
 * @param blocks  the block recipes
 */
public record GptNetwork(GptWeights weights, GptLayers layers, List<GptBlock> blocks) {

    /** The network of {@code weights} computing with {@code layers}. */
    public static GptNetwork of(GptWeights weights, GptLayers layers) {
        List<GptBlock> blocks = new ArrayList<>();
        for (int i = 0; i < weights.config().nLayer(); i++) {
            blocks.add(new GptBlock(weights, layers.blocks().get(i), i));
        }
        return new GptNetwork(weights, layers, List.copyOf(blocks));
    }

    /** The config. */
    public GptConfig config() {
        return weights.config();
    }

    /**
     * A built forward graph. Before each execution fill {@code tokens} and {@code positions} (one per row, packed
     * sequences); afterwards {@code logits} holds {@code [rows, V]} (one row per token, or per sequence when only
     * the last tokens' logits were asked for).
     *
     * @param graph     the graph
     * @param tokens    token ids, {@code [tokens]}, transferred on every execution
     * @param positions positions, {@code [tokens]}, transferred on every execution
     * @param logits    the output
     * @param saved     each block's arrays
     */
    public record Forward(TaskGraph graph, int[] tokens, int[] positions, float[] logits, List<GptBlock.Saved> saved) {
    }

    /**
     * The forward graph of the packed sequences {@code seqs}: logits of every token, or with {@code lastOnly} of
     * each sequence's last token only (the head, the largest GEMM of a small batch, then runs on those rows alone).
     * {@code attention} adds each block's attention step; {@code constants} (e.g. a KV cache the graph reads) are
     * transferred once, {@code results} (e.g. a KV cache it fills) back after every execution. Blocks reuse the
     * arrays of the block before the previous one ({@link GptBlock.Buffers#alternating}), so its {@code saved}
     * arrays hold the last two blocks' values only.
     */
    public Forward forward(String name, Sequences seqs, boolean lastOnly, GptBlock.Attention attention,
                           List<Object> constants, List<Object> results) {
        return forward(name, seqs, lastOnly, attention, constants, results, GptBlock.Buffers.alternating());
    }

    /** {@link #forward} with the blocks' arrays from {@code buffers} ({@link GptBlock.Buffers#fresh} keeps them all). */
    public Forward forward(String name, Sequences seqs, boolean lastOnly, GptBlock.Attention attention,
                           List<Object> constants, List<Object> results, GptBlock.Buffers buffers) {
        GptConfig config = config();
        int rows = seqs.tokens();
        int c = config.nEmbd();
        int[] tokens = new int[rows];
        int[] positions = new int[rows];
        TaskGraph g = new TaskGraph(name);
        List<Object> weightsOnce = new ArrayList<>(List.of(weights.wte(), weights.wpe()));
        blocks.forEach(b -> weightsOnce.addAll(b.constants()));
        GptNorm lnF = GptNorm.of(weights, GptWeights.LN_F);
        weightsOnce.addAll(lnF.constants());
        weightsOnce.addAll(layers.head().weightArrays());
        weightsOnce.addAll(constants);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, weightsOnce.toArray());
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, tokens, positions);

        float[] x = buffers.get(-1, "out", rows * c);
        g.task("embed", rows, Embeddings::tokenPosition, tokens, positions, weights.wte(), weights.wpe(), x, c);
        GptBlock first = blocks.getFirst();
        float[] ln = first.ln1().addTo(g, first.name("ln_1"), rows, c, x, buffers.get(-1, "next_ln", rows * c));
        List<GptBlock.Saved> saved = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            boolean last = i == blocks.size() - 1;
            GptNorm next = last ? lnF : blocks.get(i + 1).ln1();
            GptBlock.Saved s = blocks.get(i).addTo(g, rows, attention, positions, buffers, x, ln, next);
            saved.add(s);
            x = s.out();
            ln = s.nextLn();
        }
        int headRows = rows;
        if (lastOnly) {
            // each sequence's last row, as a "padded batch" of one row per sequence starting at that row
            int[] lastStarts = new int[seqs.batch() + 1];
            for (int b = 0; b < seqs.batch(); b++) {
                lastStarts[b] = seqs.starts()[b + 1] - 1;
            }
            lastStarts[seqs.batch()] = rows;
            float[] lastRows = buffer(seqs.batch(), c);
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, lastStarts);
            g.task("last_tokens", seqs.batch(), Padding::pad, ln, lastRows, lastStarts, c, 1);
            ln = lastRows;
            headRows = seqs.batch();
        }
        float[] logits = buffer(headRows, config.vocabSize());
        layers.head().addTo(g, "lm_head", ln, logits, headRows, false, Activations.IDENTITY);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, logits);
        if (!results.isEmpty()) {
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, results.toArray());
        }
        return new Forward(g, tokens, positions, logits, List.copyOf(saved));
    }

    private static float[] buffer(int rows, int cols) {
        return new float[Math.multiplyExact(rows, cols)];
    }
}
