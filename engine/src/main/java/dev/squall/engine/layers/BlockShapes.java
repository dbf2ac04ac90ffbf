package dev.squall.engine.layers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The shapes of an encoder block's state dict: {@code d_model} and {@code dim_feedforward} are taken from what most
 * tensors agree on, so that a single wrong tensor is the one named, whichever it is (reading {@code d_model} from
 * one tensor, {@code norm1.weight}, once blamed a wrong norm on {@code self_attn.in_proj_weight}).
 */
public final class BlockShapes {
    private BlockShapes() {
    }

    /**
     * Checks the shape of every tensor of {@link BlockWeights#NAMES} (all present in {@code shapes}).
     *
     * @param shapes   each tensor's shape ({@code [out, in]} for a linear weight, however it is stored)
     * @param describe how to show a tensor in a message, e.g. {@code float32[95, 32]}
     * @throws IllegalArgumentException naming the first tensor, in state-dict order, whose shape differs from what
     *                                  the others imply, with its expected and actual shape
     */
    public static void check(Map<String, int[]> shapes, Function<String, String> describe) {
        int d = mostCommon(shapes, "self_attn.in_proj_weight#1", "self_attn.out_proj.weight#0",
                "self_attn.out_proj.weight#1", "self_attn.out_proj.bias#0", "linear1.weight#1", "linear2.weight#0",
                "linear2.bias#0", "norm1.weight#0", "norm1.bias#0", "norm2.weight#0", "norm2.bias#0");
        int ff = mostCommon(shapes, "linear1.weight#0", "linear1.bias#0", "linear2.weight#1");
        if (d < 1 || ff < 1) {
            throw new IllegalArgumentException("cannot tell d_model and dim_feedforward from the shapes: "
                    + String.join(", ", BlockWeights.NAMES.stream().map(n -> n + " " + describe.apply(n)).toList()));
        }
        Map<String, int[]> expected = expected(d, ff);
        for (String name : BlockWeights.NAMES) {
            if (!Arrays.equals(expected.get(name), shapes.get(name))) {
                throw new IllegalArgumentException(name + " must be " + Arrays.toString(expected.get(name)) + ", got "
                        + describe.apply(name) + " (d_model = " + d + ", dim_feedforward = " + ff + ", as the other"
                        + " weights say)");
            }
        }
    }

    /** Each tensor's shape for {@code d_model = d} and {@code dim_feedforward = ff}. */
    static Map<String, int[]> expected(int d, int ff) {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("self_attn.in_proj_weight", new int[] {3 * d, d});
        m.put("self_attn.in_proj_bias", new int[] {3 * d});
        m.put("self_attn.out_proj.weight", new int[] {d, d});
        m.put("self_attn.out_proj.bias", new int[] {d});
        m.put("linear1.weight", new int[] {ff, d});
        m.put("linear1.bias", new int[] {ff});
        m.put("linear2.weight", new int[] {d, ff});
        m.put("linear2.bias", new int[] {d});
        for (String norm : new String[] {"norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}) {
            m.put(norm, new int[] {d});
        }
        return m;
    }

    /**
     * The size most of the given axes ({@code name#axis}) have; a tensor of the wrong rank has no say; ties go to
     * the smaller size.
     */
    private static int mostCommon(Map<String, int[]> shapes, String... axes) {
        Map<Integer, Integer> votes = new TreeMap<>();
        for (String source : axes) {
            String name = source.substring(0, source.indexOf('#'));
            int axis = Integer.parseInt(source.substring(source.indexOf('#') + 1));
            int[] shape = shapes.get(name);
            if (shape != null && shape.length == expected(1, 1).get(name).length) {
                votes.merge(shape[axis], 1, Integer::sum);
            }
        }
        int best = 0;
        int most = 0;
        for (Map.Entry<Integer, Integer> e : votes.entrySet()) { // ascending sizes: a tie keeps the smaller
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }
}
