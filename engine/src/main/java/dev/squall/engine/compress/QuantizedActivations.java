package dev.squall.engine.compress;

import dev.squall.engine.io.NdArray;

import java.util.List;
import java.util.Map;

/**
 * A format that keeps another format's weight and quantises the activations when they arrive, so that the
 * products are summed in integers ({@code q4_0-a8}, {@code w8a8}): shape, bias, stored arrays and dequantised
 * weight are the weight's; the activation rounding happens at run time and is not part of them.
 */
public interface QuantizedActivations extends CompressedLinear {
    /** The stored weight. */
    CompressedLinear weight();

    @Override
    default int in() {
        return weight().in();
    }

    @Override
    default int out() {
        return weight().out();
    }

    @Override
    default float[] bias() {
        return weight().bias();
    }

    /** The stored weight's values: the activation quantisation is not part of them. */
    @Override
    default float[] dequantize() {
        return weight().dequantize();
    }

    @Override
    default long weightBytes() {
        return weight().weightBytes();
    }

    @Override
    default Map<String, NdArray> parts() {
        return weight().parts();
    }

    @Override
    default List<Object> weightArrays() {
        return weight().weightArrays();
    }
}
