package dev.squall.engine.compress;

import dev.squall.engine.layers.LinearLayer;

import java.util.List;

/** A way to store the weights of linear layers; {@link WeightFormats#parse} turns a name into one. */
public interface WeightFormat {
    /** The canonical name, e.g. {@code q4_0}, {@code int8g:64}, {@code pruned:0.9:row}. */
    String name();

    /**
     * The layers of one model in this format, in the order given. They are compressed together because some
     * formats look at all of them (global pruning); most compress each on its own.
     */
    List<LinearLayer> compress(List<RowWeights> layers);
}
