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
        "``                          | unexpected end of text, expected a value at character 0",
        "`{\"a\": 1,}`               | expected a string key at character 8",
        "`{\"a\": 1} x`              | unexpected text after the JSON value at character 9",
        "`{\"a\": 1, \"a\": 2}`      | key \"a\" appears twice at character 9",
        "`{'a': 1}`                  | expected a string key at character 1",
        "`{\"a\": NaN}`              | unexpected character 'N', expected a value at character 6",
        "`{\"a\": [1]}`              | setting \"a\" must be a string, number, boolean or null, not an array",
        "`{\"a\": {}}`               | setting \"a\" must be a string, number, boolean or null, not an object",
        "`[1]`                       | expected a JSON object, got an array",
    })
    void rejectsWhatIsNotStrictJson(String text, String message) {
        IOException e = assertThrows(IOException.class, () -> ConfigJson.parseObject(text, "f.json"));
        assertEquals("f.json: " + message, e.getMessage(), () -> Arrays.toString(text.toCharArray()));
    }

    @Test
    void rejectsControlCharactersInStrings() {
        IOException e = assertThrows(IOException.class, () -> ConfigJson.parseObject("{\"a\": \"x\ty\"}", "f"));
        assertEquals("f: unescaped control character U+0009 in a string at character 8", e.getMessage());
    }
}
