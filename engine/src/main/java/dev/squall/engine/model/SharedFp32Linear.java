package dev.squall.engine.model;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.engine.layers.Linear;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.precision.DenseGemm;

import java.util.Arrays;
import java.util.List;

/**
 * An fp32 linear layer computing on its weight where the model holds it, {@code W[out, in]} (nanoGPT's and
 * PyTorch's layout; no transposed copy, so a model's fp32 weights exist once): many activation rows (a prefill)
 * run the blocked GEMM {@link Gemm#tiledMatmulTransB} over bands of rows; fewer than {@link Linear#PANEL_ROWS}
 * (a decode step) run {@link DenseGemm#gemmF32}, one output feature per parallel row, whose fast path streams
 * each weight row once through a vector dot product: the GEMV that reads the weights at the memory's pace.
 *
 * @param w     {@code out·in} weights, shared
 * @param bias  {@code out} biases, shared
 * @param in    input features
 * @param out   output features
 * @param tiles tiles of the blocked GEMM
 */
public record SharedFp32Linear(float[] w, float[] bias, int in, int out, GemmTiles tiles) implements LinearLayer {
    /** Checks sizes. */
    public SharedFp32Linear {
        if (in < 1 || out < 1 || w.length != (long) in * out || bias.length != out) {
            throw new IllegalArgumentException("linear layer " + in + "->" + out + " needs " + (long) in * out
                    + " weights and " + out + " biases, got " + w.length + " and " + bias.length);
        }
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(w, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        if (from < 0 || count < 1 || from + count > out) {
            throw new IllegalArgumentException("slice [" + from + ", " + (from + count) + ") outside " + out + " outputs");
        }
        return new SharedFp32Linear(Arrays.copyOfRange(w, from * in, (from + count) * in),
                Arrays.copyOfRange(bias, from, from + count), in, count, tiles);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        if (rows < Linear.PANEL_ROWS) {
            g.task(name, out, DenseGemm::gemmF32, x, w, bias, y, rows, out, in, withBias ? 1 : 0, activation);
        } else {
            g.task(name, tiles.bands(rows), Gemm::tiledMatmulTransB, x, w, bias, y, rows, out, in, withBias ? 1 : 0,
                    activation, tiles.m(), tiles.n(), tiles.k());
        }
    }
}
