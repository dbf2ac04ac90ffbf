package dev.squall.engine.compress;

import dev.squall.engine.layers.LinearLayer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The weight formats by name:
 * <pre>
 *   fp32            the default fp32 layer (Wᵀ, tiled GEMM)       fp32-rows   fp32 by output rows (baseline)
 *   fp16, bf16      16-bit storage, fp32 accumulation
 *   q8_0, q4_0      ggml block formats (32 weights, fp16 scale)
 *   q4_0-a8         Q4_0 weights times activations quantised into Q8_0 blocks at run time (ggml's CPU path)
 *   int8            int8, fp32 scale per output row             int8g[:G]   per group of G (default 128)
 *   ternary[:row]   BitNet b1.58, absmean per tensor (or row)   binary      sign bit, mean-abs scale per row
 *   ternary-a8[:row]  the same ternary weight times int8 activations quantised per row at run time (W1.58A8, as
 *                   BitNet b1.58 is published), integer sums
 *   w8a8[:T]        int8 weights × int8 activations quantised per row at run time (LLM.int8);
 *                   T: outlier threshold, columns with |x| > T stay fp32 (default: none)
 *   pruned:S[:row|:global]  magnitude pruning to sparsity S in [0, 1] (per layer by default, per row, or across
 *                   all layers of the model), stored as CSR
 *   2:4             2 of every 4 consecutive weights kept (in_features a multiple of 4)
 * </pre>
 * Block formats pad rows to whole blocks; 2:4 rejects an {@code in} that is not a multiple of 4 (see
 * {@code dev.squall.tasks.quant} and {@code .sparse}).
 */
public final class WeightFormats {
    /** The names, for help texts and messages. */
    public static final String NAMES = "fp32|fp32-rows|fp16|bf16|q8_0|q4_0|q4_0-a8|int8|int8g[:G]|ternary[:row]|ternary-a8[:row]|binary"
            + "|w8a8[:T]|pruned:S[:row|:global]|2:4";
    /** Group size of {@code int8g} without {@code :G}. */
    public static final int DEFAULT_GROUP = 128;

    private WeightFormats() {
    }

    /** A format applying {@code compress} to each layer on its own. */
    private record EachLayer(String name, Function<RowWeights, LinearLayer> compress) implements WeightFormat {
        @Override
        public List<LinearLayer> compress(List<RowWeights> layers) {
            return layers.stream().map(compress).toList();
        }
    }

    /** Global magnitude pruning: every layer's weights compete together, then each is stored as CSR. */
    private record GlobalPruning(String name, double sparsity) implements WeightFormat {
        @Override
        public List<LinearLayer> compress(List<RowWeights> layers) {
            List<RowWeights> copies = layers.stream()
                    .map(w -> new RowWeights(w.w().clone(), w.bias(), w.out(), w.in())).toList();
            Pruning.global(copies.stream().map(RowWeights::w).toList(), sparsity);
            List<LinearLayer> out = new ArrayList<>();
            copies.forEach(w -> out.add(CsrLinear.of(w)));
            return out;
        }
    }

    /** Parses a format name; an unknown name or a bad parameter is an error listing the formats. */
    public static WeightFormat parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        String[] parts = s.split(":", -1);
        String head = parts[0];
        return switch (head) {
            case "fp32" -> noParameter(s, parts, new EachLayer("fp32", RowWeights::toLinear));
            case "fp32-rows" -> noParameter(s, parts, new EachLayer(s, RowsLinear::of));
            case "fp16" -> noParameter(s, parts, new EachLayer(s, w -> HalfLinear.quantize(w, HalfLinear.Precision.FP16)));
            case "bf16" -> noParameter(s, parts, new EachLayer(s, w -> HalfLinear.quantize(w, HalfLinear.Precision.BF16)));
            case "q8_0" -> noParameter(s, parts, new EachLayer(s, Q8Linear::quantize));
            case "q4_0" -> noParameter(s, parts, new EachLayer(s, Q4Linear::quantize));
            case "q4_0-a8" -> noParameter(s, parts, new EachLayer(s, Q4A8Linear::quantize));
            case "int8" -> noParameter(s, parts, new EachLayer(s, w -> Int8Linear.quantize(w, w.in())));
            case "int8g" -> {
                int g = parts.length == 1 ? DEFAULT_GROUP : positiveInt(spec, parts, "group size");
                yield new EachLayer("int8g:" + g, w -> Int8Linear.quantize(w, g));
            }
            case "ternary" -> {
                boolean perRow = ternaryPerRow(spec, parts);
                yield new EachLayer(perRow ? "ternary:row" : "ternary", w -> TernaryLinear.quantize(w, perRow));
            }
            case "ternary-a8" -> {
                boolean perRow = ternaryPerRow(spec, parts);
                yield new EachLayer(perRow ? "ternary-a8:row" : "ternary-a8", w -> TernaryA8Linear.quantize(w, perRow));
            }
            case "binary" -> noParameter(s, parts, new EachLayer(s, BinaryLinear::quantize));
            case "w8a8" -> {
                float t = parts.length == 1 ? Float.POSITIVE_INFINITY : (float) positiveNumber(spec, parts,
                        "outlier threshold");
                yield new EachLayer(parts.length == 1 ? "w8a8" : "w8a8:" + t, w -> W8A8Linear.quantize(w, t));
            }
            case "pruned" -> pruned(spec, parts);
            case "2" -> {
                if (!s.equals("2:4")) {
                    throw bad(spec, "the structured pattern is written 2:4");
                }
                yield new EachLayer("2:4", w -> {
                    float[] pruned = w.w().clone();
                    Pruning.twoFour(pruned, w.out(), w.in());
                    return Sparse24Linear.of(new RowWeights(pruned, w.bias(), w.out(), w.in()));
                });
            }
            default -> throw bad(spec, "unknown weight format");
        };
    }

    /** Whether a ternary format's parameter asks for a scale per row ({@code :row}) rather than per tensor. */
    private static boolean ternaryPerRow(String spec, String[] parts) {
        boolean perRow = parts.length == 2 && parts[1].equals("row");
        if (parts.length > 2 || (parts.length == 2 && !perRow && !parts[1].equals("tensor"))) {
            throw bad(spec, parts[0] + " takes ':row' or ':tensor'");
        }
        return perRow;
    }

    private static WeightFormat pruned(String spec, String[] parts) {
        if (parts.length < 2 || parts.length > 3) {
            throw bad(spec, "pruning is written pruned:S, pruned:S:row or pruned:S:global, S in [0, 1]");
        }
        double sparsity = number(spec, parts[1], "sparsity");
        if (!(sparsity >= 0 && sparsity <= 1)) {
            throw bad(spec, "sparsity must be in [0, 1]");
        }
        String scope = parts.length == 3 ? parts[2] : "layer";
        String name = "pruned:" + parts[1] + (parts.length == 3 ? ":" + scope : "");
        return switch (scope) {
            case "layer" -> new EachLayer(name, w -> prune(w, sparsity, false));
            case "row" -> new EachLayer(name, w -> prune(w, sparsity, true));
            case "global" -> new GlobalPruning(name, sparsity);
            default -> throw bad(spec, "pruning scope must be row or global");
        };
    }

    private static LinearLayer prune(RowWeights w, double sparsity, boolean perRow) {
        float[] pruned = w.w().clone();
        if (perRow) {
            Pruning.perRow(pruned, w.out(), w.in(), sparsity);
        } else {
            Pruning.global(List.of(pruned), sparsity);
        }
        return CsrLinear.of(new RowWeights(pruned, w.bias(), w.out(), w.in()));
    }

    private static WeightFormat noParameter(String s, String[] parts, WeightFormat f) {
        if (parts.length != 1) {
            throw bad(s, parts[0] + " takes no parameter");
        }
        return f;
    }

    private static int positiveInt(String spec, String[] parts, String what) {
        if (parts.length != 2) {
            throw bad(spec, parts[0] + " takes one parameter, the " + what);
        }
        try {
            int v = Integer.parseInt(parts[1]);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(spec, what + " must be a positive integer, got '" + parts[1] + "'");
    }

    private static double positiveNumber(String spec, String[] parts, String what) {
        if (parts.length != 2) {
            throw bad(spec, parts[0] + " takes one parameter, the " + what);
        }
        double v = number(spec, parts[1], what);
        if (!(v > 0)) {
            throw bad(spec, what + " must be > 0, got '" + parts[1] + "'");
        }
        return v;
    }

    private static double number(String spec, String text, String what) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw bad(spec, what + " must be a number, got '" + text + "'");
        }
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException(why + ": '" + spec + "'; weight formats are " + NAMES);
    }
}
