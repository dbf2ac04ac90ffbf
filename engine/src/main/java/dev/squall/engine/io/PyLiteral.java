package dev.squall.engine.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the small subset of Python literals that {@code .npy} headers use: dicts, strings, integers, tuples,
 * lists, {@code True}/{@code False}. Whitespace and trailing commas are allowed wherever Python allows them.
 *
 * <p>Values become {@code Map<String, Object>} (insertion ordered), {@link String}, {@link BigInteger} (dimensions
 * may be written larger than any Java int, and must be reported rather than wrapped), {@link Boolean} and
 * {@code List<Object>} for both tuples and lists. As in Python, {@code (5)} is the integer 5, {@code (5,)} a tuple.
 */
final class PyLiteral {
    /** Far deeper than any real header; stops hostile input from overflowing the stack. */
    private static final int MAX_DEPTH = 16;

    private final String text;
    private final String source;
    private int pos;
    private int depth;

    private PyLiteral(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /**
     * Parses {@code text}, which must hold exactly one literal (surrounding whitespace aside).
     *
     * @param source the file the text comes from, for messages
     * @throws NpyFormatException if the text is not such a literal
     */
    static Object parse(String text, String source) throws NpyFormatException {
        PyLiteral parser = new PyLiteral(text, source);
        Object value = parser.value();
        parser.skipWhitespace();
        if (parser.pos < text.length()) {
            throw parser.error("unexpected text after the header dict");
        }
        return value;
    }

    private Object value() throws NpyFormatException {
        skipWhitespace();
        if (pos >= text.length()) {
            throw error("header ends too early");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> dict();
            case '(' -> tuple();
            case '[' -> Collections.unmodifiableList(sequence('[', ']').values());
            case '\'', '"' -> string();
            default -> {
                if (c == '-' || c == '+' || Character.isDigit(c)) {
                    yield integer();
                }
                if (Character.isLetter(c)) {
                    yield word();
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> dict() throws NpyFormatException {
        Map<String, Object> map = new LinkedHashMap<>();
        expect('{');
        if (++depth > MAX_DEPTH) {
            throw error("nested too deeply");
        }
        while (!tryConsume('}')) {
            skipWhitespace();
            if (pos >= text.length() || (text.charAt(pos) != '\'' && text.charAt(pos) != '"')) {
                throw error("expected a quoted key or '}'");
            }
            String key = string();
            expect(':');
            map.put(key, value());
            if (!tryConsume(',')) {
                expect('}');
                break;
            }
        }
        depth--;
        return map;
    }

    /** A parenthesised expression: a tuple, or the single value inside if there is no comma. */
    private Object tuple() throws NpyFormatException {
        Items items = sequence('(', ')');
        if (items.values().size() == 1 && !items.commaSeen()) {
            return items.values().get(0);
        }
        return Collections.unmodifiableList(items.values());
    }

    private Items sequence(char open, char close) throws NpyFormatException {
        List<Object> values = new ArrayList<>();
        boolean commaSeen = false;
        expect(open);
        if (++depth > MAX_DEPTH) {
            throw error("nested too deeply");
        }
        while (!tryConsume(close)) {
            values.add(value());
            if (!tryConsume(',')) {
                expect(close);
                break;
            }
            commaSeen = true;
        }
        depth--;
        return new Items(values, commaSeen);
    }

    /** The contents of a bracketed sequence, and whether it had a comma ({@code (5,)} versus {@code (5)}). */
    private record Items(List<Object> values, boolean commaSeen) {
    }

    private String string() throws NpyFormatException {
        char quote = text.charAt(pos++);
        StringBuilder s = new StringBuilder();
        while (pos < text.length() && text.charAt(pos) != quote) {
            char c = text.charAt(pos++);
            // escapes do not occur in NumPy headers; taking the escaped character literally is enough
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            }
            s.append(c);
        }
        if (pos >= text.length()) {
            throw error("unterminated string");
        }
        pos++;
        return s.toString();
    }

    private BigInteger integer() throws NpyFormatException {
        int start = pos;
        if (text.charAt(pos) == '-' || text.charAt(pos) == '+') {
            pos++;
        }
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos == digits) {
            throw error("expected a number");
        }
        BigInteger value = new BigInteger(text.substring(start, pos));
        // Python 2 wrote long integers with an L suffix
        if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
            pos++;
        }
        return value;
    }

    /** {@code True}, {@code False}, or a Python 2 unicode/bytes string prefix such as {@code u'<f4'}. */
    private Object word() throws NpyFormatException {
        int start = pos;
        while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
            pos++;
        }
        String word = text.substring(start, pos);
        boolean quoteFollows = pos < text.length() && (text.charAt(pos) == '\'' || text.charAt(pos) == '"');
        if (quoteFollows && (word.equals("u") || word.equals("b"))) {
            return string();
        }
        return switch (word) {
            case "True" -> Boolean.TRUE;
            case "False" -> Boolean.FALSE;
            default -> throw error("unexpected word '" + word + "'");
        };
    }

    private void expect(char c) throws NpyFormatException {
        if (!tryConsume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    private boolean tryConsume(char c) {
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipWhitespace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private NpyFormatException error(String problem) {
        return new NpyFormatException(source, "malformed header: " + problem + " at character " + pos
                + " of " + quoted(text));
    }

    /** The header text for a message, shortened if long and with its trailing padding removed. */
    private static String quoted(String text) {
        String t = text.strip();
        return "\"" + (t.length() > 200 ? t.substring(0, 200) + "..." : t) + "\"";
    }
}
