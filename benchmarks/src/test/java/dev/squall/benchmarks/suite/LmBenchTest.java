package dev.squall.benchmarks.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.KvCache;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LmBench} on a tiny model: one row per format with sane figures, and its option checks. No timings checked. */
class LmBenchTest {
    @Test
    void measuresEveryFormat() {
        GptWeights w = GptWeights.random(GptConfig.of(37, 16, 2, 2, 32, true, 0.0), 1);
        LmBench bench = new LmBench(new LmBench.Options(w, List.of("fp32", "q8_0", "q4_0-a8"), 6, 4, 0, 1,
                KvCache.Kind.INT8, 4));
        try (JvmBackend backend = new JvmBackend(2)) {
            List<LmBench.Row> rows = bench.run(backend, 2, line -> { });
            assertEquals(List.of("fp32", "q8_0", "q4_0-a8"), rows.stream().map(LmBench.Row::format).toList());
            for (LmBench.Row r : rows) {
                assertTrue(r.prefill() > 0 && r.decode() > 0 && r.limit() > 0 && r.weightBytes() > 0, r.toString());
            }
            assertTrue(rows.get(1).weightBytes() < rows.get(0).weightBytes() / 3, "q8_0 is about 8.5 bits per weight");
        }
        assertTrue(bench.bandwidth() > 0);
        assertTrue(bench.text().contains("% of bandwidth limit"), bench.text());
        assertThrows(IllegalArgumentException.class, () -> new LmBench.Options(w, List.of("fp32"), 10, 10, 0, 1,
                KvCache.Kind.FP32, 4));
    }
}
