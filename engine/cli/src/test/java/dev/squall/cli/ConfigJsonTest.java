package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration files' JSON: strict, scalar settings, numbers as the library's reader gives them. */
class ConfigJsonTest {

    @Test
    void readsScalarsInOrder() throws IOException {
        Map<String, Object> v = ConfigJson.parseObject(" {\"a\": 3, \"b\": -0.5e1, \"c\": \"x\\\"\\u00e9\\n\","
                + " \"d\": true, \"e\": false, \"f\": null, \"g\": 12345678901234567890}\n", "t");
        assertEquals("[a, b, c, d, e, f, g]", v.keySet().toString());
        assertEquals(3L, v.get("a"));
        assertEquals(-5.0, v.get("b"));
        assertEquals("x\"é\n", v.get("c"));
        assertEquals(Boolean.TRUE, v.get("d"));
        assertEquals(Boolean.FALSE, v.get("e"));
        assertEquals(null, v.get("f"));
        assertEquals(1.2345678901234567e19, v.get("g"));
        assertEquals(Map.of(), ConfigJson.parseObject("{ }", "t"));
    }

    @Test
    void writesWhatItReads() throws IOException {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("heads", 12);
        v.put("eps", 1e-5f);
        v.put("name", "a \"b\"\\\t");
        v.put("none", null);
        v.put("on", true);
        Map<String, Object> back = ConfigJson.parseObject(ConfigJson.write(v), "t");
        assertEquals("{heads=12, eps=1.0E-5, name=a \"b\"\\\t, none=null, on=true}", back.toString());
        assertEquals(1e-5f, ((Double) back.get("eps")).floatValue());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``                          | expected '{' at the end at character 0",
        "`{\"a\": 1,}`               | expected a string in double quotes at character 8",
        "`{\"a\": 1} x`              | unexpected text after the object at character 9",
        "`{\"a\": 1, \"a\": 2}`      | repeated key \"a\" at character 9",
        "`{'a': 1}`                  | expected a string in double quotes at character 1",
        "`{\"a\": NaN}`              | unexpected character 'N' at character 6",
        "`{\"a\": 01}`               | expected '}', got '1' at character 7",
        "`{\"a\": 1.}`               | malformed number at character 6",
        "`{\"a\": -}`                | malformed number at character 6",
        "`{\"a\": [1]}`              | a setting is a string, number, boolean or null, not an array at character 6",
        "`{\"a\": {}}`               | a setting is a string, number, boolean or null, not an object at character 6",
        "`{\"a\": \"x}`              | unterminated string at character 6",
        "`{\"a\": \"\\q\"}`          | unknown escape \\q at character 7",
        "`{\"a\": \"\\u12\"}`        | malformed \\u escape at character 7",
        "`{\"a\" 1}`                 | expected ':', got '1' at character 5",
        "`{\"a\": 1 // note }`      | expected '}', got '/' at character 8",
        "`{\"a\":`                   | missing value at character 5",
    })
    void rejectsWhatIsNotStrictJson(String text, String message) {
        IOException e = assertThrows(IOException.class, () -> ConfigJson.parseObject(text, "f.json"));
        assertEquals("f.json: " + message, e.getMessage(), () -> Arrays.toString(text.toCharArray()));
    }

    @Test
    void rejectsControlCharactersInStrings() {
        IOException e = assertThrows(IOException.class, () -> ConfigJson.parseObject("{\"a\": \"x\ty\"}", "f"));
        assertEquals("f: control character in a string at character 8", e.getMessage());
    }
}
