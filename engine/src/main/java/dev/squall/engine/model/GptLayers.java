package dev.squall.engine.model;

import dev.squall.engine.compress.CompressedLinear;
import dev.squall.engine.compress.RowWeights;
import dev.squall.engine.compress.WeightFormat;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.engine.layers.LinearLayer;

import java.util.ArrayList;
import java.util.List;

/**
 * The linear layers of a GPT in one weight format: per block {@code c_attn}, {@code attn.c_proj}, {@code c_fc},
 * {@code mlp.c_proj}, and the output head (the token embedding, or an untied {@code lm_head}, without bias).
 * fp32 layers compute on the model's own tensors ({@link SharedFp32Linear}); any other format of
 * {@code dev.squall.engine.compress.WeightFormats} (q8_0, q4_0-a8, ...) is made from them once, every layer of the
 * model in one call (global pruning ranks them together), head included: in decoding the head is a third of a
 * GPT-2 small's weight bytes.
 *
 * @param format its name ({@code fp32} or the format's)
 * @param blocks the layers of each block
 * @param head   the output head, {@code C → V}
 */
public record GptLayers(String format, List<Block> blocks, LinearLayer head) {

    /**
     * One block's layers.
     *
     * @param cAttn    {@code attn.c_attn}, C → 3C
     * @param attnProj {@code attn.c_proj}, C → C
     * @param cFc      {@code mlp.c_fc}, C → 4C
     * @param mlpProj  {@code mlp.c_proj}, 4C → C
     */
    public record Block(LinearLayer cAttn, LinearLayer attnProj, LinearLayer cFc, LinearLayer mlpProj) {
        /** The four layers in order. */
        public List<LinearLayer> all() {
            return List.of(cAttn, attnProj, cFc, mlpProj);
        }
    }

    /** The fp32 layers of {@code w}, computing on its tensors. */
    public static GptLayers fp32(GptWeights w, GemmTiles tiles) {
        List<Block> blocks = new ArrayList<>();
        List<RowWeights> rows = rowWeights(w);
        for (int i = 0; i < w.config().nLayer(); i++) {
            List<LinearLayer> l = rows.subList(4 * i, 4 * i + 4).stream()
                    .map(r -> (LinearLayer) new SharedFp32Linear(r.w(), r.bias(), r.in(), r.out(), tiles)).toList();
            blocks.add(new Block(l.get(0), l.get(1), l.get(2), l.get(3)));
        }
        RowWeights head = rows.getLast();
        return new GptLayers("fp32", List.copyOf(blocks),
                new SharedFp32Linear(head.w(), head.bias(), head.in(), head.out(), tiles));
    }

    /** The layers of {@code w} in {@code format} ({@code fp32}: {@link #fp32}). */
    public static GptLayers of(GptWeights w, WeightFormat format, GemmTiles tiles) {
        if (format.name().equals("fp32")) {
            return fp32(w, tiles);
        }
        List<LinearLayer> all = format.compress(rowWeights(w));
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < w.config().nLayer(); i++) {
            blocks.add(new Block(all.get(4 * i), all.get(4 * i + 1), all.get(4 * i + 2), all.get(4 * i + 3)));
        }
        return new GptLayers(format.name(), List.copyOf(blocks), all.getLast());
    }

    /** Bytes of every linear weight as stored (biases excluded): what one decoded token reads from them. */
    public long weightBytes() {
        long bytes = bytes(head);
        for (Block b : blocks) {
            for (LinearLayer l : b.all()) {
                bytes += bytes(l);
            }
        }
        return bytes;
    }

    private static long bytes(LinearLayer l) {
        return l instanceof CompressedLinear c ? c.weightBytes() : 4L * l.in() * l.out();
    }

    /** Every linear weight of {@code w} in nanoGPT's layout, in block order, the head last (sharing the arrays). */
    private static List<RowWeights> rowWeights(GptWeights w) {
        GptConfig c = w.config();
        int e = c.nEmbd();
        List<RowWeights> rows = new ArrayList<>();
        for (int i = 0; i < c.nLayer(); i++) {
            rows.add(rowWeights(w, i, "attn.c_attn", 3 * e, e));
            rows.add(rowWeights(w, i, "attn.c_proj", e, e));
            rows.add(rowWeights(w, i, "mlp.c_fc", 4 * e, e));
            rows.add(rowWeights(w, i, "mlp.c_proj", e, 4 * e));
        }
        rows.add(new RowWeights(w.head(), new float[c.vocabSize()], c.vocabSize(), e));
        return rows;
    }

    private static RowWeights rowWeights(GptWeights w, int block, String layer, int out, int in) {
        return new RowWeights(w.tensor(GptWeights.block(block, layer + ".weight")),
                w.vector(GptWeights.block(block, layer + ".bias"), out), out, in);
    }
}
