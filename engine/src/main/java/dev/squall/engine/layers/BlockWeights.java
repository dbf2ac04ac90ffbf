package dev.squall.engine.layers;

import dev.squall.engine.io.NdArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The weights of one transformer encoder block, named and laid out as in the state dict of PyTorch's
 * {@code nn.TransformerEncoderLayer}. Linear weights are held transposed (see {@link Linear}).
 *
 * @param inProj    {@code self_attn.in_proj_*}: d → 3d, the Q, K and V projections stacked
 * @param outProj   {@code self_attn.out_proj.*}: d → d
 * @param ffn1      {@code linear1.*}: d → ff
 * @param ffn2      {@code linear2.*}: ff → d
 * @param norm1Gamma {@code norm1.weight}
 * @param norm1Beta  {@code norm1.bias}
 * @param norm2Gamma {@code norm2.weight}
 * @param norm2Beta  {@code norm2.bias}
 */
public record BlockWeights(Linear inProj, Linear outProj, Linear ffn1, Linear ffn2, float[] norm1Gamma,
                           float[] norm1Beta, float[] norm2Gamma, float[] norm2Beta) {

    /** State-dict names, in PyTorch's order. */
    public static final List<String> NAMES = List.of(
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
            "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias");

    /** Checks that the parts fit together. */
    public BlockWeights {
        int d = outProj.out();
        if (inProj.in() != d || inProj.out() != 3 * d || outProj.in() != d || ffn1.in() != d || ffn2.out() != d
                || ffn2.in() != ffn1.out()) {
            throw new IllegalArgumentException("block weights do not fit together: in_proj " + inProj.in() + "->"
                    + inProj.out() + ", out_proj " + outProj.in() + "->" + outProj.out() + ", linear1 " + ffn1.in()
                    + "->" + ffn1.out() + ", linear2 " + ffn2.in() + "->" + ffn2.out());
        }
        for (float[] v : List.of(norm1Gamma, norm1Beta, norm2Gamma, norm2Beta)) {
            if (v.length != d) {
                throw new IllegalArgumentException("norm parameters must have d_model=" + d + " values, got " + v.length);
            }
        }
    }

    /** Model width. */
    public int dModel() {
        return outProj.out();
    }

    /** Feed-forward width. */
    public int ffDim() {
        return ffn1.out();
    }

    /**
     * Reads a PyTorch state dict (e.g. from an {@code .npz} written by
     * {@code np.savez(f, **{k: v.numpy() for k, v in layer.state_dict().items()})}). Float16 arrays are
     * widened. Throws {@link IllegalArgumentException} naming every missing weight, or the first one with a
     * wrong shape (against the sizes most tensors agree on, see {@link BlockShapes}), or the first NaN or
     * infinite value: such a block would give NaN for every token, which is never what a saved layer means.
     */
    public static BlockWeights fromStateDict(Map<String, NdArray> dict) {
        List<String> missing = NAMES.stream().filter(n -> !dict.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing weights " + missing + "; found " + dict.keySet());
        }
        Map<String, int[]> shapes = new LinkedHashMap<>();
        NAMES.forEach(n -> shapes.put(n, dict.get(n).shape()));
        BlockShapes.check(shapes, n -> dict.get(n).describe());
        int d = dict.get("norm1.weight").dim(0);
        int ff = dict.get("linear1.bias").dim(0);
        return new BlockWeights(
                linear(dict, "self_attn.in_proj_weight", "self_attn.in_proj_bias", 3 * d, d),
                linear(dict, "self_attn.out_proj.weight", "self_attn.out_proj.bias", d, d),
                linear(dict, "linear1.weight", "linear1.bias", ff, d),
                linear(dict, "linear2.weight", "linear2.bias", d, ff),
                vector(dict, "norm1.weight", d), vector(dict, "norm1.bias", d),
                vector(dict, "norm2.weight", d), vector(dict, "norm2.bias", d));
    }

    /** The state dict of these weights, PyTorch's names and layouts. */
    public Map<String, NdArray> toStateDict() {
        Map<String, NdArray> m = new LinkedHashMap<>();
        put(m, "self_attn.in_proj", inProj, "_weight", "_bias");
        put(m, "self_attn.out_proj", outProj, ".weight", ".bias");
        put(m, "linear1", ffn1, ".weight", ".bias");
        put(m, "linear2", ffn2, ".weight", ".bias");
        m.put("norm1.weight", NdArray.of(norm1Gamma, dModel()));
        m.put("norm1.bias", NdArray.of(norm1Beta, dModel()));
        m.put("norm2.weight", NdArray.of(norm2Gamma, dModel()));
        m.put("norm2.bias", NdArray.of(norm2Beta, dModel()));
        return m;
    }

    /**
     * Random weights with PyTorch-like scales (uniform ±1/√fan_in for linear layers, norms near 1 and 0),
     * reproducible from {@code seed}: for benchmarks and tests.
     */
    public static BlockWeights random(int dModel, int ffDim, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return new BlockWeights(randomLinear(rnd, dModel, 3 * dModel), randomLinear(rnd, dModel, dModel),
                randomLinear(rnd, dModel, ffDim), randomLinear(rnd, ffDim, dModel),
                around(rnd, dModel, 1f), around(rnd, dModel, 0f), around(rnd, dModel, 1f), around(rnd, dModel, 0f));
    }

    private static Linear linear(Map<String, NdArray> dict, String weight, String bias, int out, int in) {
        NdArray w = dict.get(weight);
        if (w.rank() != 2 || w.dim(0) != out || w.dim(1) != in) {
            throw new IllegalArgumentException(weight + " must be [" + out + ", " + in + "], got " + w.describe());
        }
        return Linear.fromTorch(finite(weight, w), vector(dict, bias, out), out, in);
    }

    private static float[] vector(Map<String, NdArray> dict, String name, int size) {
        NdArray v = dict.get(name);
        if (v.rank() != 1 || v.dim(0) != size) {
            throw new IllegalArgumentException(name + " must be [" + size + "], got " + v.describe());
        }
        return finite(name, v);
    }

    /** The values of {@code a}, the tensor called {@code name}, if all are finite. */
    private static float[] finite(String name, NdArray a) {
        float[] v = a.toFloats();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                int[] at = new int[a.rank()];
                for (int axis = a.rank() - 1, rest = i; axis >= 0; rest /= a.dim(axis), axis--) {
                    at[axis] = rest % a.dim(axis);
                }
                throw new IllegalArgumentException(name + java.util.Arrays.toString(at) + " is " + v[i]
                        + ": a block with a non-finite weight gives NaN for every token (a diverged or corrupt"
                        + " model?)");
            }
        }
        return v;
    }

    private static void put(Map<String, NdArray> m, String prefix, Linear l, String weight, String bias) {
        float[] w = new float[l.out() * l.in()];
        for (int i = 0; i < l.in(); i++) {
            for (int o = 0; o < l.out(); o++) {
                w[o * l.in() + i] = l.weightT()[i * l.out() + o];
            }
        }
        m.put(prefix + weight, NdArray.of(w, l.out(), l.in()));
        m.put(prefix + bias, NdArray.of(l.bias(), l.out()));
    }

    private static Linear randomLinear(SplittableRandom rnd, int in, int out) {
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] w = new float[in * out];
        float[] b = new float[out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextDouble(-bound, bound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextDouble(-bound, bound);
        }
        return new Linear(w, b, in, out);
    }

    private static float[] around(SplittableRandom rnd, int n, float center) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = center + (float) rnd.nextDouble(-0.1, 0.1);
        }
        return v;
    }
}
