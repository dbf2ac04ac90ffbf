package dev.squall.engine.compress;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;

import java.util.Map;

/**
 * A linear layer whose weight is stored in a compressed format (quantised, reduced precision or pruned), kept
 * in PyTorch's {@code [out, in]} orientation, packed by output rows as the kernels of
 * {@code dev.squall.tasks.quant}, {@code .precision} and {@code .sparse} read it. The bias stays fp32.
 */
public interface CompressedLinear extends LinearLayer {
    /**
     * The format's name as {@link WeightFormats#parse} accepts it, e.g. {@code q8_0} or {@code int8g:64}: by
     * default the name in its {@link #facts()}, for the formats without parameters.
     */
    default String format() {
        return facts().name();
    }

    /** The facts of its format (tag and parts in {@code .npz} files among them). */
    FormatFacts facts();

    /** The weight the layer computes with, decoded to fp32, {@code [out, in]} row-major. */
    float[] dequantize();

    /** Bytes of the packed weight arrays (the fp32 bias excluded). */
    long weightBytes();

    /**
     * The packed arrays by part name, with their logical shapes, as {@link CompressedStateDict} writes them to
     * {@code .npz} files; each format's {@code fromParts} reads them back.
     */
    Map<String, NdArray> parts();
}
