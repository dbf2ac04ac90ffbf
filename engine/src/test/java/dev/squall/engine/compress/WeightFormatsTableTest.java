package dev.squall.engine.compress;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.Linear;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The weight-format table is the truth: for every {@link FormatFacts} of {@link WeightFormats#ALL}, its examples
 * and aliases parse, compress to its layer class, report these facts, write exactly its tag and parts to a state
 * dict and read back to the same weight. A new format is covered by its line in the table.
 */
class WeightFormatsTableTest {

    @Test
    void namesAliasesAndTagsAreUnique() {
        List<String> names = new ArrayList<>();
        Set<String> tags = new HashSet<>();
        for (FormatFacts f : WeightFormats.ALL) {
            names.add(f.name());
            names.addAll(f.aliases());
            assertTrue(f.storedPlain() || tags.add(f.tag()), "tag " + f.tag() + " used twice");
            assertTrue(f.syntax().contains(f.name()), f.syntax());
            assertTrue(!f.examples().isEmpty(), f.name() + " has no example");
            assertTrue(f.storedPlain() || WeightFormats.byTag(f.tag()).orElseThrow() == f, f.name());
        }
        assertEquals(names.size(), Set.copyOf(names).size(), names.toString());
        assertEquals(WeightFormats.ALL.stream().map(FormatFacts::syntax).collect(Collectors.joining("|")),
                WeightFormats.NAMES);
        assertEquals(2 * WeightFormats.ALL.size(), WeightFormats.table().size());
    }

    @Test
    void everyExampleAndAliasParsesToItsFormat() {
        for (FormatFacts f : WeightFormats.ALL) {
            for (String example : f.examples()) {
                assertEquals(example, WeightFormats.parse(example).name());
                assertEquals(example, WeightFormats.parse(" " + example.toUpperCase() + " ").name());
            }
            for (String alias : f.aliases()) {
                assertTrue(WeightFormats.parse(alias).name().startsWith(f.name()), alias);
            }
        }
    }

    @Test
    void everyFormatWritesItsTagAndPartsAndReadsBack() {
        RandomArrays rnd = RandomArrays.fresh();
        int out = 5;
        int in = 72;
        RowWeights w = new RowWeights(rnd.gaussian(out * in), rnd.gaussian(out), out, in);
        for (FormatFacts f : WeightFormats.ALL) {
            for (String example : f.examples()) {
                String where = example + " (seed " + rnd.seed() + ")";
                LinearLayer layer = WeightFormats.parse(example).compress(List.of(w)).get(0);
                assertSame(f.layer(), layer.getClass(), where);
                Map<String, NdArray> dict = new LinkedHashMap<>(CompressedStateDict.entries("W", layer));
                float[] weight = layer instanceof CompressedLinear c ? c.dequantize() : RowWeights.of((Linear) layer).w();
                if (layer instanceof CompressedLinear c) {
                    assertSame(f, c.facts(), where);
                    assertEquals(f.parts(), List.copyOf(c.parts().keySet()), where);
                }
                if (f.storedPlain()) {
                    assertEquals(Set.of("W"), dict.keySet(), where);
                } else {
                    List<String> keys = new ArrayList<>(List.of("W." + f.tag() + ".shape"));
                    f.parts().forEach(p -> keys.add("W." + f.tag() + "." + p));
                    assertEquals(keys, List.copyOf(dict.keySet()), where);
                }
                LinearLayer back = CompressedStateDict.read(dict, "W", w.bias());
                float[] read = back instanceof CompressedLinear c ? c.dequantize() : RowWeights.of((Linear) back).w();
                assertArrayEquals(weight, read, where);
                if (!f.storedPlain()) {
                    assertEquals(((CompressedLinear) layer).format(), ((CompressedLinear) back).format(), where);
                }
            }
        }
    }
}
