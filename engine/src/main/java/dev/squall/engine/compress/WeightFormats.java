package dev.squall.engine.compress;

import dev.squall.engine.layers.Linear;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The weight formats: the table {@link #ALL} of their facts, one line per format (each format declares its
 * {@link FormatFacts} in its layer class), and the parser of their written forms, e.g. {@code q4_0},
 * {@code int8g:64}, {@code pruned:0.9:row}. {@link #table()} prints the table ({@code squall quantize --help}
 * shows it). Block formats pad rows to whole blocks; 2:4 rejects an {@code in} that is not a multiple of 4 (see
 * {@code dev.squall.tasks.quant} and {@code .sparse}).
 */
public final class WeightFormats {
    /** The default fp32 layer ({@link Linear}: Wᵀ, tiled GEMM), stored as {@code W}. */
    public static final FormatFacts FP32 = new FormatFacts("fp32", List.of(), "fp32", "32",
            "default layer: Wᵀ, tiled GEMM (column panels below 128 rows)", Linear.class, false,
            a -> a.noParameter(RowWeights::toLinear), "", List.of(), null, List.of("fp32"));

    /** Every format, one line each. */
    public static final List<FormatFacts> ALL = List.of(
            FP32,
            RowsLinear.FORMAT,
            HalfLinear.FP16_FORMAT,
            HalfLinear.BF16_FORMAT,
            Q8Linear.FORMAT,
            Q4Linear.FORMAT,
            Q4A8Linear.FORMAT,
            Int8Linear.FORMAT,
            TernaryLinear.FORMAT,
            TernaryA8Linear.FORMAT,
            BinaryLinear.FORMAT,
            W8A8Linear.FORMAT,
            CsrLinear.FORMAT,
            Sparse24Linear.FORMAT);

    /** The written forms, for help texts and messages. */
    public static final String NAMES = ALL.stream().map(FormatFacts::syntax).collect(Collectors.joining("|"));
    /** Group size of {@code int8g} without {@code :G}. */
    public static final int DEFAULT_GROUP = Int8Linear.DEFAULT_GROUP;

    private WeightFormats() {
    }

    /** Parses a written format; an unknown name or a bad parameter is an error listing the formats. */
    public static WeightFormat parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        List<String> parts = Arrays.asList(s.split(":", -1));
        for (FormatFacts f : ALL) {
            if (f.isCalled(s)) {
                return f.packer().format(new FormatArgs(s, s, List.of(), f.name()));
            }
        }
        for (FormatFacts f : ALL) {
            if (f.isCalled(parts.get(0))) {
                return f.packer().format(new FormatArgs(s, parts.get(0), parts.subList(1, parts.size()), f.name()));
            }
        }
        throw new FormatArgs(s, s, List.of(), "").bad("unknown weight format");
    }

    /** The format whose weights a state dict stores under {@code tag} ({@code W.<tag>.shape}). */
    public static Optional<FormatFacts> byTag(String tag) {
        return ALL.stream().filter(f -> !f.storedPlain() && f.tag().equals(tag)).findFirst();
    }

    /** The written forms {@code squall bench --quant} measures by default, in table order. */
    public static List<String> examples() {
        return ALL.stream().flatMap(f -> f.examples().stream()).toList();
    }

    /**
     * The table as text, two lines per format: the written form with its bits per weight (and whether activations
     * are quantised too), then its description.
     */
    public static List<String> table() {
        int width = ALL.stream().mapToInt(f -> f.syntax().length()).max().orElse(0);
        List<String> lines = new ArrayList<>();
        for (FormatFacts f : ALL) {
            lines.add(String.format(Locale.ROOT, "%-" + width + "s  %s bits/weight%s", f.syntax(), f.bits(),
                    f.integerActivations() ? ", integer activations" : ""));
            lines.add("    " + f.description());
        }
        return lines;
    }
}
