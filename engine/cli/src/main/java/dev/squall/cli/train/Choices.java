package dev.squall.cli.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enum options spelled in lower case on the command line ({@code --lr-schedule cosine}). */
public final class Choices {
    private Choices() {
    }

    /** The option's spelling of {@code value}: its name in lower case. */
    public static String name(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} spelled {@code name}, or an error naming {@code option} and the choices. */
    public static <E extends Enum<E>> E parse(Class<E> type, String option, String name) {
        for (E e : type.getEnumConstants()) {
            if (name(e).equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException(option + ": unknown value '" + name + "'; use "
                + Arrays.stream(type.getEnumConstants()).map(Choices::name).collect(Collectors.joining(" or ")));
    }
}
