package dev.squall.engine.layers.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link PatternWork} against the masks themselves: for windows (local, dilated per head, Longformer with globals)
 * and block layouts (fixed, strided, BigBird), causal or not, at awkward lengths, the work is the number of visible
 * (query, key) pairs of {@link StaticMask#mask}, summed over the heads; the other kinds by their formulas.
 */
class PatternWorkTest {
    @Test
    void maskPatternsCountTheirVisiblePairs() {
        String[] specs = {"local:3", "local:100", "dilated:2:3", "longformer:2:1/2:0,5,17", "longformer:1:2:4",
                "fixed:4:2", "strided:3:2", "bigbird:4:1:1:1:7"};
        for (String spec : specs) {
            AttentionPattern p = AttentionPattern.parse(spec);
            for (int n : new int[] {1, 17, 40}) {
                for (boolean causal : new boolean[] {false, true}) {
                    long expected = 0;
                    for (int h = 0; h < 2; h++) {
                        for (boolean seen : ((StaticMask) p).mask(n, h, causal)) {
                            expected += seen ? 1 : 0;
                        }
                    }
                    if (spec.startsWith("longformer") && n <= 17) {
                        continue; // global positions past the sequence: the pattern refuses such a sequence
                    }
                    assertEquals(expected, PatternWork.of(p, n, 2, 8, causal), spec + " n=" + n + " causal=" + causal);
                }
            }
        }
    }

    @Test
    void otherKindsByTheirFormulas() {
        assertEquals(2L * 10 * 10, PatternWork.dense(10, 2, false));
        assertEquals(2L * 55, PatternWork.dense(10, 2, true));
        assertEquals(3L * 10 * 8, PatternWork.of(AttentionPattern.parse("linear"), 10, 3, 8, false));
        assertEquals(3L * 2 * 10 * 4, PatternWork.of(AttentionPattern.parse("linformer:4:1"), 10, 3, 8, true));
        assertEquals(10L * 4 - 6, PatternWork.of(AttentionPattern.parse("topk:4"), 10, 1, 8, true));
        assertEquals(10L * (4 + 1), PatternWork.of(AttentionPattern.parse("cluster:3:2:1"), 10, 1, 8, false));
    }
}
