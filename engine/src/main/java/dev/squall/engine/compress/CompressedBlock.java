package dev.squall.engine.compress;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockShapes;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.Linear;
import dev.squall.engine.layers.LinearLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of an encoder block with its four linear layers in any format: the layers that run, and
 * {@code reference}, fp32 weights equal to what they compute (the dequantised weights), which carries the norms
 * and the shapes {@link EncoderBlock} checks.
 *
 * @param reference fp32 weights (norms, and the dequantised linear weights)
 * @param inProj    {@code self_attn.in_proj}
 * @param outProj   {@code self_attn.out_proj}
 * @param ffn1      {@code linear1}
 * @param ffn2      {@code linear2}
 */
public record CompressedBlock(BlockWeights reference, LinearLayer inProj, LinearLayer outProj, LinearLayer ffn1,
                              LinearLayer ffn2) {
    /** State-dict names of the four linear weights, in the order of the record. */
    public static final List<String> WEIGHTS = List.of("self_attn.in_proj_weight", "self_attn.out_proj.weight",
            "linear1.weight", "linear2.weight");
    /** Their biases. */
    public static final List<String> BIASES = List.of("self_attn.in_proj_bias", "self_attn.out_proj.bias",
            "linear1.bias", "linear2.bias");

    /** The block of fp32 {@code weights} with its linear layers converted to {@code format}. */
    public static CompressedBlock of(BlockWeights weights, WeightFormat format) {
        List<Linear> fp32 = List.of(weights.inProj(), weights.outProj(), weights.ffn1(), weights.ffn2());
        List<LinearLayer> layers = format.compress(fp32.stream().map(RowWeights::of).toList());
        List<Linear> held = layers.stream().map(CompressedBlock::held).toList();
        BlockWeights reference = new BlockWeights(held.get(0), held.get(1), held.get(2), held.get(3),
                weights.norm1Gamma(), weights.norm1Beta(), weights.norm2Gamma(), weights.norm2Beta());
        return new CompressedBlock(reference, layers.get(0), layers.get(1), layers.get(2), layers.get(3));
    }

    /** The fp32 layer of the weight {@code layer} computes with. */
    private static Linear held(LinearLayer layer) {
        return layer instanceof CompressedLinear c ? Linear.fromTorch(c.dequantize(), c.bias(), c.out(), c.in())
                : (Linear) layer;
    }

    /**
     * Reads a state dict whose linear weights are fp32, fp16 or compressed (see {@link CompressedStateDict});
     * {@code reference} then holds the dequantised weights.
     */
    public static CompressedBlock read(Map<String, NdArray> dict) {
        Set<String> compressed = CompressedStateDict.compressedWeights(dict);
        List<String> missing = BlockWeights.NAMES.stream()
                .filter(n -> !dict.containsKey(n) && !compressed.contains(n)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing weights " + missing + " (a linear weight W may also be stored "
                    + "compressed, as W.<format>.shape and its parts); found " + dict.keySet());
        }
        BlockShapes.check(shapes(dict), name -> dict.containsKey(name) ? dict.get(name).describe()
                : Arrays.toString(CompressedStateDict.storedShape(dict, name)) + " (stored compressed)");
        Map<String, NdArray> plain = new LinkedHashMap<>(dict);
        List<LinearLayer> layers = new ArrayList<>();
        for (int i = 0; i < WEIGHTS.size(); i++) {
            LinearLayer layer = CompressedStateDict.read(dict, WEIGHTS.get(i), dict.get(BIASES.get(i)).toFloats());
            layers.add(layer);
            if (!dict.containsKey(WEIGHTS.get(i))) { // fp32 and fp16 matrices stay as they are; the others dequantised
                plain.put(WEIGHTS.get(i), NdArray.of(RowWeights.of(held(layer)).w(), layer.out(), layer.in()));
            }
        }
        return new CompressedBlock(BlockWeights.fromStateDict(plain), layers.get(0), layers.get(1), layers.get(2),
                layers.get(3));
    }

    /** Every tensor's shape, {@code [out, in]} for a compressed weight (as its {@code W.<format>.shape} says). */
    private static Map<String, int[]> shapes(Map<String, NdArray> dict) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (String name : BlockWeights.NAMES) {
            shapes.put(name, dict.containsKey(name) ? dict.get(name).shape() : CompressedStateDict.storedShape(dict, name));
        }
        return shapes;
    }

    /** The four layers, in state-dict order. */
    public List<LinearLayer> layers() {
        return List.of(inProj, outProj, ffn1, ffn2);
    }

    /** Whether any layer is stored in something other than the default fp32 layer. */
    public boolean compressed() {
        return layers().stream().anyMatch(l -> !(l instanceof Linear));
    }

    /** The format of the layers ({@code fp32} for the default layer), or {@code mixed}. */
    public String format() {
        List<String> names = layers().stream()
                .map(l -> l instanceof CompressedLinear c ? c.format() : "fp32").distinct().toList();
        return names.size() == 1 ? names.get(0) : "mixed";
    }

    /** Bytes of the four linear weights as stored (biases excluded). */
    public long weightBytes() {
        return layers().stream().mapToLong(l -> l instanceof CompressedLinear c ? c.weightBytes()
                : 4L * l.in() * l.out()).sum();
    }

    /** The block running these layers. */
    public EncoderBlock block(BlockConfig config) {
        return new EncoderBlock(config, reference, inProj, outProj, ffn1, ffn2);
    }

    /** The state dict of this block: the reference's norms and biases, each linear weight as stored. */
    public Map<String, NdArray> toStateDict() {
        Map<String, NdArray> m = new LinkedHashMap<>();
        List<LinearLayer> layers = layers();
        reference.toStateDict().forEach((name, array) -> {
            int i = WEIGHTS.indexOf(name);
            if (i >= 0) {
                m.putAll(CompressedStateDict.entries(name, layers.get(i)));
            } else {
                m.put(name, array);
            }
        });
        return m;
    }
}
