package dev.squall.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON of the CLI's configuration files: one object of settings whose values are strings, numbers,
 * {@code true}/{@code false} or {@code null}. Strict (RFC 8259: no comments, trailing commas, NaN or repeated
 * keys); numbers written as integers that fit are {@code Long}, others {@code Double}, as the library's
 * {@code Json} reader (on the models branch) gives them, which can replace {@link #parseObject} when it is merged.
 */
final class ConfigJson {
    private final String text;
    private final String source;
    private int pos;

    private ConfigJson(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /**
     * The settings in {@code text}, in document order.
     *
     * @param source what the text is, for messages
     * @throws IOException naming {@code source} and the character offset of the first error
     */
    static Map<String, Object> parseObject(String text, String source) throws IOException {
        ConfigJson p = new ConfigJson(text, source);
        Map<String, Object> values = new LinkedHashMap<>();
        p.expect('{');
        if (!p.consume('}')) {
            do {
                int at = p.skipSpace();
                String key = p.string();
                if (values.containsKey(key)) {
                    throw p.error(at, "repeated key \"" + key + "\"");
                }
                p.expect(':');
                values.put(key, p.scalar());
            } while (p.consume(','));
            p.expect('}');
        }
        if (p.skipSpace() != text.length()) {
            throw p.error(p.pos, "unexpected text after the object");
        }
        return values;
    }

    /** The JSON text of {@code settings}, one per line; values are strings, numbers, booleans or null. */
    static String write(Map<String, ?> settings) {
        StringBuilder sb = new StringBuilder("{");
        String sep = "\n";
        for (Map.Entry<String, ?> e : settings.entrySet()) {
            sb.append(sep).append("  ");
            quote(sb, e.getKey());
            sb.append(": ");
            Object v = e.getValue();
            if (v instanceof String s) {
                quote(sb, s);
            } else if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Integer
                    || v instanceof Number n && Double.isFinite(n.doubleValue())) {
                sb.append(v);
            } else {
                throw new IllegalArgumentException("no JSON form for " + v + " (" + e.getKey() + ")");
            }
            sep = ",\n";
        }
        return sb.append("\n}\n").toString();
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        sb.append('"');
    }

    private Object scalar() throws IOException {
        int at = skipSpace();
        if (at == text.length()) {
            throw error(at, "missing value");
        }
        char c = text.charAt(at);
        if (c == '"') {
            return string();
        }
        for (String word : new String[] {"true", "false", "null"}) {
            if (text.startsWith(word, at)) {
                pos = at + word.length();
                return word.equals("null") ? null : Boolean.valueOf(word);
            }
        }
        if (c == '-' || c >= '0' && c <= '9') {
            return number(at);
        }
        throw error(at, c == '{' || c == '[' ? "a setting is a string, number, boolean or null, not "
                + (c == '{' ? "an object" : "an array") : "unexpected character '" + c + "'");
    }

    private Object number(int at) throws IOException {
        pos = at;
        consumeChar('-');
        if (!consumeChar('0')) {
            digits(at);
        }
        boolean integer = true;
        if (consumeChar('.')) {
            integer = false;
            digits(at);
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            integer = false;
            pos++;
            if (!consumeChar('+')) {
                consumeChar('-');
            }
            digits(at);
        }
        String s = text.substring(at, pos);
        if (integer) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException tooLong) {
                // beyond a long: a double, as the library's reader does
            }
        }
        return Double.parseDouble(s);
    }

    private void digits(int numberStart) throws IOException {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw error(numberStart, "malformed number");
        }
    }

    private String string() throws IOException {
        int at = pos;
        if (at >= text.length() || text.charAt(at) != '"') {
            throw error(at, "expected a string in double quotes");
        }
        StringBuilder sb = new StringBuilder();
        for (pos = at + 1; pos < text.length(); pos++) {
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error(pos, "control character in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++pos == text.length()) {
                break;
            }
            char e = text.charAt(pos);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 5 > text.length() || !text.substring(pos + 1, pos + 5).matches("[0-9a-fA-F]{4}")) {
                        throw error(pos - 1, "malformed \\u escape");
                    }
                    sb.append((char) Integer.parseInt(text.substring(pos + 1, pos + 5), 16));
                    pos += 4;
                }
                default -> throw error(pos - 1, "unknown escape \\" + e);
            }
        }
        throw error(at, "unterminated string");
    }

    private void expect(char c) throws IOException {
        int at = skipSpace();
        if (at == text.length() || text.charAt(at) != c) {
            throw error(at, "expected '" + c + "'" + (at == text.length() ? " at the end" : ", got '" + text.charAt(at) + "'"));
        }
        pos = at + 1;
    }

    private boolean consume(char c) {
        skipSpace();
        return consumeChar(c);
    }

    private boolean consumeChar(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** Skips JSON white space; returns the new position. */
    private int skipSpace() {
        while (pos < text.length() && " \t\n\r".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        return pos;
    }

    private IOException error(int at, String problem) {
        return new IOException(source + ": " + problem + " at character " + at);
    }
}
