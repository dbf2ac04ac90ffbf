package dev.squall.engine.compress;

import dev.squall.engine.layers.LinearLayer;

import java.util.List;
import java.util.function.Function;

/**
 * A weight format as written, e.g. {@code int8g:64} or {@code pruned:0.9:row}: the name it was called by and its
 * parameters, with the checks the formats' packers share. Errors quote the written form and list the formats.
 *
 * @param spec   the written form, trimmed and in lower case
 * @param called the name it was called by (the format's name or an alias)
 * @param params the parameters after the name, split at {@code :}
 * @param format the format's own name ({@link FormatFacts#name})
 */
public record FormatArgs(String spec, String called, List<String> params, String format) {

    /** A format applying {@code compress} to each layer on its own, called {@code canonical}. */
    public WeightFormat eachLayer(String canonical, Function<RowWeights, LinearLayer> compress) {
        return new EachLayer(canonical, compress);
    }

    /** {@link #eachLayer} for a format that takes no parameter, under its own name. */
    public WeightFormat noParameter(Function<RowWeights, LinearLayer> compress) {
        if (!params.isEmpty()) {
            throw bad(called + " takes no parameter");
        }
        return eachLayer(format, compress);
    }

    /** The single parameter as a positive integer, or {@code absent} without one. */
    public int positiveInt(String what, int absent) {
        if (params.isEmpty()) {
            return absent;
        }
        String p = single(what);
        try {
            int v = Integer.parseInt(p);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(what + " must be a positive integer, got '" + p + "'");
    }

    /** The single parameter as a number {@code > 0}, or {@code absent} without one. */
    public double positiveNumber(String what, double absent) {
        if (params.isEmpty()) {
            return absent;
        }
        String p = single(what);
        double v = number(p, what);
        if (!(v > 0)) {
            throw bad(what + " must be > 0, got '" + p + "'");
        }
        return v;
    }

    /** {@code text} as a number; an error naming {@code what} otherwise. */
    public double number(String text, String what) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw bad(what + " must be a number, got '" + text + "'");
        }
    }

    /** Whether the optional parameter {@code :row} (rather than {@code :tensor}, the default) is given. */
    public boolean perRow() {
        boolean row = params.size() == 1 && params.get(0).equals("row");
        if (params.size() > 1 || (params.size() == 1 && !row && !params.get(0).equals("tensor"))) {
            throw bad(called + " takes ':row' or ':tensor'");
        }
        return row;
    }

    /** An error about this written form, listing the formats. */
    public IllegalArgumentException bad(String why) {
        return new IllegalArgumentException(why + ": '" + spec + "'; weight formats are " + WeightFormats.NAMES);
    }

    private String single(String what) {
        if (params.size() != 1) {
            throw bad(called + " takes one parameter, the " + what);
        }
        return params.get(0);
    }

    /** A format compressing each layer on its own. */
    private record EachLayer(String name, Function<RowWeights, LinearLayer> compress) implements WeightFormat {
        @Override
        public List<LinearLayer> compress(List<RowWeights> layers) {
            return layers.stream().map(compress).toList();
        }
    }
}
