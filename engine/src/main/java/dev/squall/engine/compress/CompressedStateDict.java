package dev.squall.engine.compress;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.Linear;
import dev.squall.engine.layers.LinearLayer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compressed weights in a state dict ({@code .npz}), as {@code squall quantize} writes them and
 * {@code squall op block} reads them. A linear weight {@code W} (e.g. {@code linear1.weight}, PyTorch's
 * {@code [out, in]}) is stored
 * <ul>
 *   <li>fp32: as {@code W}, float32 {@code [out, in]}, unchanged;</li>
 *   <li>fp16: as {@code W}, float16 {@code [out, in]} (NumPy's own type; a PyTorch {@code .half()} state dict
 *       is read as fp16 storage);</li>
 *   <li>any other format: no {@code W} entry, but {@code W.<tag>.shape} (int32 {@code [2]}: out, in) and the
 *       format's packed arrays {@code W.<tag>.<part>}: the tag and the parts are the format's {@link FormatFacts}
 *       ({@link WeightFormats#ALL}), their types and shapes are in its layer class (e.g. {@link Q8Linear}:
 *       {@code qs} int8 {@code [out, B·32]}, {@code d} float16 {@code [out, B]}, {@code B = ceil(in/32)});
 *       bf16 bits are int16, as NumPy has no bfloat16.</li>
 * </ul>
 * The meaning of every array is the format's definition in {@code dev.squall.tasks.quant} and {@code .sparse}.
 * Biases, norms and every other array are kept as they are. NumPy reads such a file as is: e.g.
 * {@code w = d.astype(np.float32)[:, :, None] * qs.reshape(out, B, 32)} dequantises Q8_0.
 */
public final class CompressedStateDict {
    /** Suffix of the shape entry that marks a compressed weight. */
    static final String SHAPE = "shape";

    private CompressedStateDict() {
    }

    /** The entries that store {@code layer} as the weight called {@code name}. */
    public static Map<String, NdArray> entries(String name, LinearLayer layer) {
        Map<String, NdArray> m = new LinkedHashMap<>();
        if (layer instanceof Linear l) {
            m.put(name, NdArray.of(RowWeights.of(l).w(), l.out(), l.in()));
        } else if (layer instanceof CompressedLinear c) {
            String tag = c.facts().tag();
            if (c.facts().storedPlain()) {
                m.put(name, c.parts().get("w"));
            } else {
                m.put(name + "." + tag + "." + SHAPE, NdArray.of(new int[] {c.out(), c.in()}, 2));
                c.parts().forEach((part, array) -> m.put(name + "." + tag + "." + part, array));
            }
        } else {
            throw new IllegalArgumentException("cannot store a " + layer.getClass().getSimpleName() + " as " + name);
        }
        return m;
    }

    /**
     * The layer stored as weight {@code name} in {@code dict}, with {@code bias}: fp32 ({@code Linear}), fp16
     * ({@code HalfLinear}) or a compressed weight; an error names what is missing or corrupt.
     */
    public static LinearLayer read(Map<String, NdArray> dict, String name, float[] bias) {
        int[] shape = storedShape(dict, name);
        int out = shape[0];
        int in = shape[1];
        NdArray plain = dict.get(name);
        if (plain != null) {
            if (bias.length != out) {
                throw new IllegalArgumentException("the bias of " + name + " " + plain.describe() + " must have " + out
                        + " values, got " + bias.length);
            }
            return plain.dtype() == DType.FLOAT16
                    ? new HalfLinear(HalfLinear.Precision.FP16, (short[]) plain.data(), bias, in, out)
                    : Linear.fromTorch(plain.toFloats(), bias, out, in);
        }
        String tag = tagsOf(dict, name).get(0);
        String prefix = name + "." + tag + ".";
        if (bias.length != out) {
            throw new IllegalArgumentException("the bias of " + name + " must have " + out + " values, got "
                    + bias.length);
        }
        Map<String, NdArray> parts = partsOf(dict, prefix);
        FormatFacts format = WeightFormats.byTag(tag).orElseThrow(() -> new IllegalArgumentException(name
                + " is stored in an unknown format '" + tag + "'"));
        return format.reader().read(name + "." + tag, parts, out, in, bias);
    }

    /**
     * The shape {@code [out, in]} of the weight {@code name} as stored in {@code dict}: a float32 or float16 matrix,
     * or {@code W.<format>.shape}; an error names what is missing, stored twice or malformed.
     */
    public static int[] storedShape(Map<String, NdArray> dict, String name) {
        NdArray plain = dict.get(name);
        List<String> tags = tagsOf(dict, name);
        if (plain != null && !tags.isEmpty() || tags.size() > 1) {
            throw new IllegalArgumentException(name + " is stored more than once (" + (plain != null ? "plain, " : "")
                    + tags + ")");
        }
        if (plain != null) {
            if (plain.rank() != 2 || (plain.dtype() != DType.FLOAT32 && plain.dtype() != DType.FLOAT16)) {
                throw new IllegalArgumentException(name + " must be a float32 or float16 matrix, got " + plain.describe());
            }
            return plain.shape();
        }
        if (tags.isEmpty()) {
            throw new IllegalArgumentException("missing weight " + name + " (neither " + name + " nor " + name
                    + ".<format>.shape is in the file)");
        }
        String prefix = name + "." + tags.get(0) + ".";
        int[] shape = ((int[]) Parts.require(name + "." + tags.get(0), partsOf(dict, prefix), SHAPE, DType.INT32, 2))
                .clone();
        if (shape[0] < 1 || shape[1] < 1) {
            throw new IllegalArgumentException(prefix + SHAPE + " must be positive, got " + java.util.Arrays.toString(shape));
        }
        return shape;
    }

    /** Names {@code W} of the compressed weights in {@code dict} (those with a {@code W.<tag>.shape} entry). */
    public static Set<String> compressedWeights(Map<String, NdArray> dict) {
        Set<String> names = new TreeSet<>();
        for (String key : dict.keySet()) {
            if (key.endsWith("." + SHAPE)) {
                String rest = key.substring(0, key.length() - SHAPE.length() - 1);
                int dot = rest.lastIndexOf('.');
                if (dot > 0) {
                    names.add(rest.substring(0, dot));
                }
            }
        }
        return names;
    }

    /**
     * The fp32 or fp16 matrices of {@code dict} whose names end in {@code weight} (PyTorch's linear weights,
     * {@code [out, in]}), compressed to {@code format} all together (which global pruning needs), by name.
     */
    public static Map<String, LinearLayer> compressWeights(Map<String, NdArray> dict, WeightFormat format) {
        List<String> names = new ArrayList<>();
        List<RowWeights> weights = new ArrayList<>();
        for (Map.Entry<String, NdArray> e : dict.entrySet()) {
            NdArray a = e.getValue();
            if (e.getKey().endsWith("weight") && a.rank() == 2
                    && (a.dtype() == DType.FLOAT32 || a.dtype() == DType.FLOAT16) && a.size() > 0) {
                names.add(e.getKey());
                try {
                    weights.add(new RowWeights(a.toFloats(), new float[a.dim(0)], a.dim(0), a.dim(1)));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(e.getKey() + ": " + ex.getMessage(), ex);
                }
            }
        }
        List<LinearLayer> layers = format.compress(weights);
        Map<String, LinearLayer> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), layers.get(i));
        }
        return out;
    }

    /**
     * {@code dict} with its linear weights replaced by {@code layers} (see {@link #compressWeights}) in the
     * storage described above; everything else is copied, in order.
     */
    public static Map<String, NdArray> replace(Map<String, NdArray> dict, Map<String, LinearLayer> layers) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NdArray> e : dict.entrySet()) {
            LinearLayer layer = layers.get(e.getKey());
            if (layer != null) {
                out.putAll(entries(e.getKey(), layer));
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static List<String> tagsOf(Map<String, NdArray> dict, String name) {
        List<String> tags = new ArrayList<>();
        for (String key : dict.keySet()) {
            if (key.startsWith(name + ".") && key.endsWith("." + SHAPE)) {
                String tag = key.substring(name.length() + 1, key.length() - SHAPE.length() - 1);
                if (!tag.contains(".")) {
                    tags.add(tag);
                }
            }
        }
        return tags;
    }

    private static Map<String, NdArray> partsOf(Map<String, NdArray> dict, String prefix) {
        Map<String, NdArray> parts = new LinkedHashMap<>();
        dict.forEach((key, value) -> {
            if (key.startsWith(prefix) && !key.substring(prefix.length()).contains(".")) {
                parts.put(key.substring(prefix.length()), value);
            }
        });
        return parts;
    }
}
