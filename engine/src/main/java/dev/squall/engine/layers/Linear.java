package dev.squall.engine.layers;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.gemm.Gemm;

import java.util.List;

/**
 * A linear layer {@code y = x·Wᵀ + b} with its weight kept transposed, {@code [in, out]} row-major, so
 * that the GEMM's innermost loop runs along contiguous output columns. PyTorch stores {@code W} as
 * {@code [out, in]}; {@link #fromTorch} transposes it once at load time.
 *
 * @param weightT {@code Wᵀ}, {@code in × out} floats
 * @param bias    {@code out} floats
 * @param in      input features
 * @param out     output features
 * @param tiles   tile sizes of its GEMM
 */
public record Linear(float[] weightT, float[] bias, int in, int out, GemmTiles tiles) implements LinearLayer {

    /** An fp32 layer with the default GEMM tiles. */
    public Linear(float[] weightT, float[] bias, int in, int out) {
        this(weightT, bias, in, out, GemmTiles.DEFAULT);
    }

    /** Checks sizes. */
    public Linear {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("linear layer sizes must be >= 1, got in=" + in + ", out=" + out);
        }
        if (weightT.length != (long) in * out || bias.length != out) {
            throw new IllegalArgumentException("linear layer " + in + "->" + out + " needs a weight of " + in * out
                    + " and a bias of " + out + " floats, got " + weightT.length + " and " + bias.length);
        }
    }

    /** From PyTorch's layout: {@code weight} is {@code [out, in]}. */
    public static Linear fromTorch(float[] weight, float[] bias, int out, int in) {
        if (weight.length != (long) out * in) {
            throw new IllegalArgumentException("weight must be [" + out + ", " + in + "], got " + weight.length + " floats");
        }
        float[] t = new float[in * out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[i * out + o] = weight[o * in + i];
            }
        }
        return new Linear(t, bias, in, out);
    }

    /** This layer run with other GEMM tiles. */
    public Linear withTiles(GemmTiles t) {
        return new Linear(weightT, bias, in, out, t);
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(weightT, bias);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, tiles.bands(rows), Gemm::tiledMatmul, x, weightT, bias, y, rows, out, in, withBias ? 1 : 0,
                activation, tiles.m(), tiles.n(), tiles.k());
    }

    @Override
    public Linear slice(int from, int count) {
        if (from < 0 || count < 1 || from + count > out) {
            throw new IllegalArgumentException("slice [" + from + ", " + (from + count) + ") outside " + out + " outputs");
        }
        float[] t = new float[in * count];
        for (int i = 0; i < in; i++) {
            System.arraycopy(weightT, i * out + from, t, i * count, count);
        }
        return new Linear(t, java.util.Arrays.copyOfRange(bias, from, from + count), in, count, tiles);
    }
}
