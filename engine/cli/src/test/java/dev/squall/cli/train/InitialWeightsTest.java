package dev.squall.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** nanoGPT's initialisation: LayerNorms 1 and 0, biases 0, weights N(0, 0.02), c_proj N(0, 0.02/√(2L)). */
class InitialWeightsTest {
    @Test
    void scalesAsNanoGptAndFixedBySeed() {
        GptConfig config = GptConfig.of(97, 32, 3, 2, 48, true, 0);
        GptWeights w = InitialWeights.nanoGpt(config, 11);
        assertEquals(w.stateDict(), InitialWeights.nanoGpt(config, 11).stateDict());
        assertNotEquals(w.stateDict(), InitialWeights.nanoGpt(config, 12).stateDict());
        for (Map.Entry<String, NdArray> e : w.tensors().entrySet()) {
            String name = e.getKey();
            float[] v = e.getValue().toFloats();
            if (name.contains(".ln_")) {
                float expected = name.endsWith(".weight") ? 1 : 0;
                for (float x : v) {
                    assertEquals(expected, x, name);
                }
            } else if (name.endsWith(".bias")) {
                for (float x : v) {
                    assertEquals(0, x, name);
                }
            } else {
                double std = name.endsWith("c_proj.weight") ? 0.02 / Math.sqrt(6) : 0.02;
                double sum = 0;
                double squares = 0;
                for (float x : v) {
                    sum += x;
                    squares += (double) x * x;
                }
                double mean = sum / v.length;
                double measured = Math.sqrt(squares / v.length - mean * mean);
                // at least 1536 samples: the sample deviation is within 10 % with overwhelming probability
                assertTrue(Math.abs(measured / std - 1) < 0.1 && Math.abs(mean) < 0.2 * std, name + ": mean " + mean
                        + ", deviation " + measured + " vs " + std);
            }
        }
    }
}
