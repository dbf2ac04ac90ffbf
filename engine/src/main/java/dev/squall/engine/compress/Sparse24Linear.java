package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.sparse.Sparse24;

import java.util.List;
import java.util.Map;

/**
 * A linear layer with a 2:4 structured sparse weight (2 values and two 2-bit positions per group of 4), run by
 * {@link Sparse24#gemm}. {@code in} must be a multiple of 4. Layout in {@code dev.squall.tasks.sparse}.
 *
 * @param vals {@code out · in/2} kept values, two per group
 * @param meta {@code out · ceil(in/8)} bytes of 4-bit position codes, two groups per byte
 * @param bias {@code out} fp32 biases
 * @param in   input features
 * @param out  output features
 */
public record Sparse24Linear(float[] vals, byte[] meta, float[] bias, int in, int out) implements CompressedLinear {
    /** The format's facts: magnitude pruning to the 2:4 pattern, then packing. */
    public static final FormatFacts FORMAT = new FormatFacts("2:4", List.of("sparse24"), "2:4", "17",
            "2 of every 4 consecutive weights kept (in_features a multiple of 4)", Sparse24Linear.class, false,
            a -> a.noParameter(w -> {
                float[] pruned = w.w().clone();
                Pruning.twoFour(pruned, w.out(), w.in());
                return of(new RowWeights(pruned, w.bias(), w.out(), w.in()));
            }), "sparse24", List.of("vals", "meta"), Sparse24Linear::fromParts, List.of("2:4"));

    /** Checks that {@code in} is a multiple of 4 and the packed sizes. */
    public Sparse24Linear {
        Parts.checkShape(in, out, bias);
        requireGroups(in);
        Parts.checkLength("2:4 values", vals.length, (long) out * in / 2);
        Parts.checkLength("2:4 positions", meta.length, (long) out * metaPerRow(in));
    }

    static void requireGroups(int in) {
        if (in % Sparse24.GROUP != 0) {
            throw new IllegalArgumentException("2:4 sparsity needs in_features to be a multiple of 4, got " + in);
        }
    }

    static int metaPerRow(int in) {
        return (in / Sparse24.GROUP + 1) / 2;
    }

    /**
     * Packs a weight that is already 2:4 sparse (e.g. from {@link Pruning#twoFour}): each group's non-zeros
     * go to its slots in position order; a group with fewer than 2 non-zeros fills a free slot with a zero at
     * an unused position. A group with more than 2 non-zeros is an error.
     */
    public static Sparse24Linear of(RowWeights w) {
        requireGroups(w.in());
        int groups = w.in() / Sparse24.GROUP;
        int mpr = metaPerRow(w.in());
        float[] vals = new float[w.out() * w.in() / 2];
        byte[] meta = new byte[w.out() * mpr];
        for (int j = 0; j < w.out(); j++) {
            for (int g = 0; g < groups; g++) {
                int base = j * w.in() + g * Sparse24.GROUP;
                int[] pos = new int[2];
                int kept = 0;
                for (int t = 0; t < Sparse24.GROUP; t++) {
                    if (w.w()[base + t] != 0f) {
                        if (kept == 2) {
                            throw new IllegalArgumentException("weight row " + j + " group " + g
                                    + " has more than 2 non-zeros of 4; prune it to 2:4 first");
                        }
                        pos[kept++] = t;
                    }
                }
                // pad with unused positions (value 0), keeping pos_0 < pos_1
                for (int t = 0; kept < 2; t++) {
                    if (kept == 0 || (pos[0] != t)) {
                        pos[kept++] = t;
                    }
                }
                if (pos[0] > pos[1]) {
                    int s = pos[0];
                    pos[0] = pos[1];
                    pos[1] = s;
                }
                vals[j * w.in() / 2 + 2 * g] = w.w()[base + pos[0]];
                vals[j * w.in() / 2 + 2 * g + 1] = w.w()[base + pos[1]];
                meta[j * mpr + g / 2] |= (byte) ((pos[0] | pos[1] << 2) << (4 * (g % 2)));
            }
        }
        return new Sparse24Linear(vals, meta, w.bias(), w.in(), w.out());
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static Sparse24Linear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        requireGroups(in);
        return new Sparse24Linear((float[]) Parts.require(name, parts, "vals", DType.FLOAT32, out, in / 2),
                (byte[]) Parts.require(name, parts, "meta", DType.INT8, out, metaPerRow(in)), bias, in, out);
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public float[] dequantize() {
        int groups = in / Sparse24.GROUP;
        int mpr = metaPerRow(in);
        float[] w = new float[out * in];
        for (int j = 0; j < out; j++) {
            for (int g = 0; g < groups; g++) {
                int code = (meta[j * mpr + g / 2] >> (4 * (g % 2))) & 0xf;
                w[j * in + 4 * g + (code & 3)] += vals[j * in / 2 + 2 * g];
                w[j * in + 4 * g + (code >> 2)] += vals[j * in / 2 + 2 * g + 1];
            }
        }
        return w;
    }

    @Override
    public long weightBytes() {
        return 4L * vals.length + meta.length;
    }

    @Override
    public Map<String, NdArray> parts() {
        return Parts.named(FORMAT, NdArray.of(vals, out, in / 2), NdArray.of(meta, out, metaPerRow(in)));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(vals, meta, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        return new Sparse24Linear(Parts.rows(vals, in / 2, from, count), Parts.rows(meta, metaPerRow(in), from, count),
                Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, Sparse24::gemm, x, vals, meta, bias, y, rows, out, in, withBias ? 1 : 0, activation);
    }
}
