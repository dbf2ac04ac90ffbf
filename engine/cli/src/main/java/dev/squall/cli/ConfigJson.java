package dev.squall.cli;

import dev.squall.engine.io.Json;
import dev.squall.engine.io.JsonFormatException;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The JSON of the CLI's configuration files: one object of settings whose values are strings, numbers,
 * {@code true}/{@code false} or {@code null}, read with the library's strict {@link Json} reader (integers that fit
 * are {@code Long}, other numbers {@code Double}) and written one setting per line.
 */
final class ConfigJson {
    private ConfigJson() {
    }

    /**
     * The settings in {@code text}, in document order.
     *
     * @param source what the text is, for messages
     * @throws IOException naming {@code source} and, for malformed JSON, the character offset of the first error
     */
    static Map<String, Object> parseObject(String text, String source) throws IOException {
        Map<String, Object> values = Json.parseObject(text, source);
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (e.getValue() instanceof Map || e.getValue() instanceof List) {
                throw new JsonFormatException(source, "setting \"" + e.getKey()
                        + "\" must be a string, number, boolean or null, not " + Json.kind(e.getValue()));
            }
        }
        return values;
    }

    /** The JSON text of {@code settings}, one per line; values are strings, numbers, booleans or null. */
    static String write(Map<String, ?> settings) {
        StringBuilder sb = new StringBuilder("{");
        String sep = "\n";
        for (Map.Entry<String, ?> e : settings.entrySet()) {
            sb.append(sep).append("  ").append(Json.write(e.getKey())).append(": ").append(Json.write(e.getValue()));
            sep = ",\n";
        }
        return sb.append(settings.isEmpty() ? "}\n" : "\n}\n").toString();
    }
}
