package dev.squall.engine.memory;

import dev.squall.tasks.quant.ActivationCodes;

import java.util.Locale;

/**
 * How activations saved for backward are stored: {@code none} (the fp32 array itself) or
 * {@link ActivationCodes} codes of {@code bits} bits with a minimum and a scale per group of {@code groupSize}
 * columns of a row ({@code --act-compress none|int8|int4|int2[:G]}).
 *
 * <p>The default group is {@value #DEFAULT_GROUP} columns (or the whole row when it is shorter): the two fp32
 * group parameters then cost 0.5 bit per element, so int8 stores {@code 4/(1 + 8/128) = 3.76×} smaller than
 * fp32 (int4 7.1×, int2 12.8×), while one outlier column (transformer activations have a few) widens the step of
 * only its own 128 values, not of the whole row.
 *
 * @param name      the written form, e.g. {@code int4} or {@code int4:64}
 * @param bits      8, 4 or 2; 32 for {@code none}
 * @param groupSize columns per group (a multiple of {@code 8 / bits}); 0 for {@code none}
 */
public record ActivationCodec(String name, int bits, int groupSize) {
    /** Columns per group unless the written form says otherwise. */
    public static final int DEFAULT_GROUP = 128;
    /** Saved activations stay fp32. */
    public static final ActivationCodec NONE = new ActivationCodec("none", 32, 0);
    /** 8-bit codes, round to nearest. */
    public static final ActivationCodec INT8 = new ActivationCodec("int8", 8, DEFAULT_GROUP);
    /** 4-bit codes, stochastic rounding. */
    public static final ActivationCodec INT4 = new ActivationCodec("int4", 4, DEFAULT_GROUP);
    /** 2-bit codes, stochastic rounding. */
    public static final ActivationCodec INT2 = new ActivationCodec("int2", 2, DEFAULT_GROUP);
    /** The written forms, for help texts. */
    public static final String SYNTAX = "none|int8|int4|int2[:G]";

    /** Checks the parameters. */
    public ActivationCodec {
        boolean ok = bits == 32 ? groupSize == 0 : (bits == 8 || bits == 4 || bits == 2) && groupSize > 0
                && groupSize % (8 / bits) == 0;
        if (!ok) {
            throw new IllegalArgumentException("activation codec " + name + ": " + bits + " bits in groups of "
                    + groupSize + " (groups must be a positive multiple of " + (bits > 8 ? 1 : 8 / bits) + ")");
        }
    }

    /**
     * Parses {@code none}, {@code int8}, {@code int4} or {@code int2}, optionally {@code :G} for groups of
     * {@code G} columns; {@code option} names the argument in messages (e.g. {@code --act-compress}).
     */
    public static ActivationCodec parse(String option, String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        String[] parts = s.split(":", -1);
        ActivationCodec base = switch (parts[0]) {
            case "none" -> NONE;
            case "int8" -> INT8;
            case "int4" -> INT4;
            case "int2" -> INT2;
            default -> null;
        };
        if (base == null || parts.length > 2 || parts.length == 2 && base == NONE) {
            throw new IllegalArgumentException(option + ": expected " + SYNTAX + ", got '" + spec + "'");
        }
        if (parts.length == 1) {
            return base;
        }
        int g;
        try {
            g = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            g = -1;
        }
        int multiple = 8 / base.bits;
        if (g <= 0 || g % multiple != 0) {
            throw new IllegalArgumentException(option + ": the group size of " + base.name + " must be a positive "
                    + "multiple of " + multiple + ", got '" + parts[1] + "'");
        }
        return new ActivationCodec(s, base.bits, g);
    }

    /** Whether tensors are stored as codes. */
    public boolean compresses() {
        return bits != 32;
    }

    /** The group size used for rows of {@code cols} columns: {@link #groupSize}, or the row when shorter. */
    public int groupFor(int cols) {
        return Math.min(groupSize, cols);
    }

    /** Bytes a {@code rows × cols} tensor takes in this format, group parameters included. */
    public long bytes(int rows, int cols) {
        if (!compresses()) {
            return 4L * rows * cols;
        }
        long perRow = ActivationCodes.rowBytes(cols, bits) + 8L * ActivationCodes.groups(cols, groupFor(cols));
        return perRow * rows;
    }

    /** Storage for one saved {@code rows × cols} tensor; {@code stream} tells tensors apart in the random bits. */
    public SavedTensor saved(String tensor, int rows, int cols, int stream) {
        return new SavedTensor(tensor, this, rows, cols, stream);
    }

    @Override
    public String toString() {
        return name;
    }
}
