package dev.squall.engine.compress;

import dev.squall.engine.layers.Linear;

/**
 * A dense fp32 weight in PyTorch's orientation, {@code w[out, in]} row-major, with its fp32 bias: the input of
 * every compressor.
 *
 * @param w    {@code out·in} weights, row {@code j} the weights of output {@code j}
 * @param bias {@code out} biases
 * @param out  output features
 * @param in   input features
 */
public record RowWeights(float[] w, float[] bias, int out, int in) {

    /** Checks sizes and that every weight is finite (a NaN or ∞ has no quantised form). */
    public RowWeights {
        if (out < 1 || in < 1) {
            throw new IllegalArgumentException("weight shape must be >= 1x1, got [" + out + ", " + in + "]");
        }
        if (w.length != (long) out * in || bias.length != out) {
            throw new IllegalArgumentException("weight [" + out + ", " + in + "] needs " + (long) out * in
                    + " weights and " + out + " biases, got " + w.length + " and " + bias.length);
        }
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new IllegalArgumentException("weight [" + i / in + ", " + i % in + "] is " + w[i]
                        + "; only finite weights can be compressed");
            }
        }
    }

    /** The weight of an fp32 layer (which keeps it transposed), turned back to {@code [out, in]}. */
    public static RowWeights of(Linear l) {
        float[] w = new float[l.out() * l.in()];
        for (int i = 0; i < l.in(); i++) {
            for (int o = 0; o < l.out(); o++) {
                w[o * l.in() + i] = l.weightT()[i * l.out() + o];
            }
        }
        return new RowWeights(w, l.bias(), l.out(), l.in());
    }

    /** The fp32 layer of this weight. */
    public Linear toLinear() {
        return Linear.fromTorch(w, bias, out, in);
    }
}
