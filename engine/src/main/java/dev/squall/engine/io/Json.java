package dev.squall.engine.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON (RFC 8259) reader and a small writer, for configuration files, tokenizer vocabularies and
 * safetensors headers (the library has no dependencies). Values map to Java as: object → {@code Map<String,
 * Object>} in document order (a repeated key is an error), array → {@code List<Object>}, string → {@code String},
 * number → {@code Long} when written as an integer that fits, else {@code Double}, {@code true/false} →
 * {@code Boolean}, {@code null} → {@code null}. Anything else (comments, trailing commas, NaN, single quotes,
 * unescaped control characters, text after the value) is an error giving the character offset.
 */
public final class Json {
    private final String text;
    private final String source;
    private int pos;

    private Json(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /**
     * Parses one JSON value.
     *
     * @param source what the text is, e.g. a file name, for messages
     * @throws JsonFormatException naming {@code source} and the offset of the first error
     */
    public static Object parse(String text, String source) throws JsonFormatException {
        Json p = new Json(text, source);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the JSON value");
        }
        return v;
    }

    /** {@link #parse} requiring an object at the top. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text, String source) throws JsonFormatException {
        Object v = parse(text, source);
        if (!(v instanceof Map)) {
            throw new JsonFormatException(source, "expected a JSON object, got " + kind(v));
        }
        return (Map<String, Object>) v;
    }

    /** What kind of JSON value {@code v} is, for messages: {@code object}, {@code string}, {@code number}, ... */
    public static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            case String s -> "a string";
            case Number n -> "a number";
            case Boolean b -> "a boolean";
            default -> v.getClass().getSimpleName();
        };
    }

    /** JSON text of {@code value} (maps, lists, strings, numbers, booleans, null), compact, keys in map order. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ", ");
                    first = false;
                    writeString(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue());
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "" : ", ");
                    write(sb, l.get(i));
                }
                sb.append(']');
            }
            case String s -> writeString(sb, s);
            case Double d when !Double.isFinite(d) -> throw new IllegalArgumentException("JSON has no " + d);
            case Float f when !Float.isFinite(f) -> throw new IllegalArgumentException("JSON has no " + f);
            case Number n -> sb.append(n);
            case Boolean b -> sb.append(b);
            default -> throw new IllegalArgumentException("no JSON form for " + v.getClass().getName());
        }
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Nesting deeper than this is refused (a hostile file must not overflow the stack). */
    private static final int MAX_DEPTH = 512;

    private Object value(int depth) throws JsonFormatException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
        if (pos >= text.length()) {
            throw error("unexpected end of text, expected a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + printable(c) + "', expected a value");
            }
        };
    }

    private Map<String, Object> object(int depth) throws JsonFormatException {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a string key");
            }
            int keyAt = pos;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object v = value(depth + 1);
            if (m.containsKey(key)) {
                pos = keyAt;
                throw error("key \"" + key + "\" appears twice");
            }
            m.put(key, v);
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else {
                expect('}');
                return m;
            }
        }
    }

    private List<Object> array(int depth) throws JsonFormatException {
        pos++;
        List<Object> l = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(l);
        }
        while (true) {
            skipSpace();
            l.add(value(depth + 1));
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else {
                expect(']');
                return Collections.unmodifiableList(l);
            }
        }
    }

    private String string() throws JsonFormatException {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(hex4());
                default -> {
                    pos--;
                    throw error("invalid escape '\\" + printable(e) + "'");
                }
            }
        }
    }

    private char hex4() throws JsonFormatException {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(pos + i), 16);
            if (digit < 0) {
                throw error("invalid \\u escape");
            }
            v = v * 16 + digit;
        }
        pos += 4;
        return (char) v;
    }

    private Number number() throws JsonFormatException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (digit()) {
            digits();
        } else {
            throw error("invalid number");
        }
        boolean integral = true;
        if (peek() == '.') {
            pos++;
            integral = false;
            if (!digit()) {
                throw error("invalid number: digits must follow '.'");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            integral = false;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digit()) {
                throw error("invalid number: digits must follow the exponent");
            }
            digits();
        }
        String lexeme = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(lexeme);
            } catch (NumberFormatException e) {
                // too large for a long: a double, as in JavaScript
            }
        }
        return Double.parseDouble(lexeme);
    }

    private boolean digit() {
        char c = peek();
        return c >= '0' && c <= '9';
    }

    private void digits() {
        while (digit()) {
            pos++;
        }
    }

    private Object literal(String word, Object value) throws JsonFormatException {
        if (!text.startsWith(word, pos)) {
            throw error("invalid literal, expected " + word);
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) throws JsonFormatException {
        if (peek() != c) {
            throw error(pos >= text.length() ? "unexpected end of text, expected '" + c + "'"
                    : "expected '" + c + "', found '" + printable(text.charAt(pos)) + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : String.valueOf(c);
    }

    private JsonFormatException error(String problem) {
        return new JsonFormatException(source, problem + " at character " + pos);
    }
}
