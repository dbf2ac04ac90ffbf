package dev.squall.engine.compress;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;

import java.util.List;
import java.util.Map;

/**
 * The facts of one weight format, declared once by the format's layer class and listed in
 * {@link WeightFormats#ALL}: what the parser, the state-dict reader and writer, {@code squall quantize --help}
 * and the bench know about it. Adding a format means its layer class (with its {@code FORMAT}), its kernels,
 * and one line in {@link WeightFormats#ALL}.
 *
 * @param name               the name as written, without parameters ({@code q4_0}, {@code int8}, {@code pruned})
 * @param aliases            other accepted spellings of the name ({@code int8g} is grouped {@code int8})
 * @param syntax             how it is written with its parameters, e.g. {@code int8 | int8g[:G]}
 * @param bits               bits per weight, as documented (e.g. {@code 4.5}, {@code 64·(1−S)})
 * @param description        what it is, in one line
 * @param layer              the layer class that runs it
 * @param integerActivations whether activations are quantised when they arrive and the products summed in
 *                           integers (adding an activation rounding error of its own)
 * @param packer             makes the format from its written form, checking the parameters: the quantiser
 * @param tag                in a {@code .npz} state dict, weight {@code W} is stored as {@code W.<tag>.shape} and
 *                           {@code W.<tag>.<part>}; empty: stored as {@code W} itself (fp32, fp16)
 * @param parts              the packed arrays, in the order written ({@code w} for the formats stored as {@code W})
 * @param reader             reads the packed arrays back into the layer; null for the formats stored as {@code W}
 * @param examples           written forms {@code squall bench --quant} measures by default (and the tests cover)
 */
public record FormatFacts(String name, List<String> aliases, String syntax, String bits, String description,
                          Class<? extends LinearLayer> layer, boolean integerActivations, Packer packer, String tag,
                          List<String> parts, Reader reader, List<String> examples) {

    /** Makes the format from its parsed written form. */
    @FunctionalInterface
    public interface Packer {
        /** The format {@code args} names; a bad parameter is an {@link IllegalArgumentException} from {@code args}. */
        WeightFormat format(FormatArgs args);
    }

    /** Reads a stored weight back. */
    @FunctionalInterface
    public interface Reader {
        /**
         * The layer stored in {@code parts} (by part name) for the weight called {@code name}, of shape
         * {@code [out, in]}, with {@code bias}; a missing or malformed part is an error naming it.
         */
        LinearLayer read(String name, Map<String, NdArray> parts, int out, int in, float[] bias);
    }

    /** Checks that the facts fit together. */
    public FormatFacts {
        aliases = List.copyOf(aliases);
        parts = List.copyOf(parts);
        examples = List.copyOf(examples);
        if (tag.isEmpty() != (reader == null)) {
            throw new IllegalArgumentException(name + ": a format stored under a tag needs a reader, one stored as W none");
        }
    }

    /** Whether the weight is stored as {@code W} itself rather than under a tag. */
    public boolean storedPlain() {
        return tag.isEmpty();
    }

    /** Whether {@code written} (lower case, without parameters) names this format. */
    boolean isCalled(String written) {
        return name.equals(written) || aliases.contains(written);
    }
}
