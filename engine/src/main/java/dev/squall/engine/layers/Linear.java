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
    /**
     * Below this many activation rows the GEMM is split by output columns rather than by rows. Measured with
     * the fast paths on 2 threads (4096², 3072×768, 768×3072): panels 2.1–4× faster for 1 row, 1.2–1.6× for
     * 16–128 rows (bands of 16 rows split 64 rows into chunks too thin to reuse B). With weights packed once per
     * plan and A read in place, each thread streams only its columns of the weights on panels, all of them per
     * chunk on bands: the fused encoder block (2 threads, paired interleaved rounds) ran 15 % faster on panels at
     * 128 tokens, 7.7 % at 512, the same at 1024, and 7 % slower at 2048, where a chunk of rows reuses each
     * weight block enough (see {@code docs/performance.md}).
     */
    public static final int PANEL_ROWS = 1024;
    /**
     * Widest column panel: narrow panels split any layer evenly between threads (768 outputs make 12), and
     * cost the fast path nothing, since it runs the panels of a chunk as one range of columns.
     */
    public static final int PANEL_COLUMNS = 64;

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

    /**
     * Adds {@code Gemm.tiledMatmul} (parallel over bands of {@code tiles.m()} rows), or for fewer than
     * {@link #PANEL_ROWS} rows {@code Gemm.panelMatmul} (parallel over panels of at most {@link #PANEL_COLUMNS}
     * output columns), which keeps every thread busy when there are too few rows for more than one band, as in
     * decoding. Both give the same bits.
     */
    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        if (rows < PANEL_ROWS) {
            int panel = Math.min(tiles.n(), PANEL_COLUMNS);
            g.task(name, (out + panel - 1) / panel, Gemm::panelMatmul, x, weightT, bias, y, rows, out, in,
                    withBias ? 1 : 0, activation, tiles.m(), panel, tiles.k());
        } else {
            g.task(name, tiles.bands(rows), Gemm::tiledMatmul, x, weightT, bias, y, rows, out, in, withBias ? 1 : 0,
                    activation, tiles.m(), tiles.n(), tiles.k());
        }
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
