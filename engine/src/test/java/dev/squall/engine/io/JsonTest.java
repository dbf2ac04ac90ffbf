package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Json}: RFC 8259 values, escapes and numbers; every deviation an error with its offset; round trips. */
class JsonTest {
    @Test
    void parsesValues() throws JsonFormatException {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\\\"\\\\/\"],"
                + " \"b\": {}, \"c\": [], \"big\": 123456789012345678901234} ", "t");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2500.0, a.get(1));
        assertEquals(true, a.get(2));
        assertNull(a.get(4));
        assertEquals("x\né😀\"\\/", a.get(5));
        assertEquals(1.2345678901234568E23, m.get("big"));
        assertEquals(List.of("a", "b", "c", "big"), List.copyOf(m.keySet()));
    }

    @Test
    void rejectsWhatJsonIsNot() {
        for (String[] c : new String[][] {
                {"{\"a\": 1,}", "expected a string key"}, {"[1, 2,]", "unexpected character ']'"},
                {"{'a': 1}", "expected a string key"}, {"[NaN]", "unexpected character 'N'"},
                {"[01]", "expected ']'"}, {"[1.]", "digits must follow '.'"}, {"\"a\tb\"", "unescaped control"},
                {"{\"a\": 1} x", "unexpected text after"}, {"{\"a\": 1, \"a\": 2}", "key \"a\" appears twice"},
                {"\"\\x\"", "invalid escape"}, {"[1 2]", "expected ']'"}, {"", "unexpected end"},
                {"// c\n{}", "unexpected character '/'"}, {"[" .repeat(600), "nested deeper"}}) {
            JsonFormatException e = assertThrows(JsonFormatException.class, () -> Json.parse(c[0], "src"));
            assertTrue(e.getMessage().startsWith("src: ") && e.getMessage().contains(c[1]),
                    c[0] + ": " + e.getMessage());
        }
    }

    @Test
    void writesWhatItReads() throws JsonFormatException {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("s", "tab\t nl\n quote\" \u0001 😀");
        m.put("n", Arrays.asList(1L, 2.5, null, true));
        m.put("o", Map.of());
        assertEquals(m, Json.parse(Json.write(m), "round trip"));
    }
}
