package dev.squall.benchmarks.suite;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.benchmarks.report.Report;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The padding-removal bench suite on a tiny block, and its length distribution (no timing is checked). */
class PackedBenchTest {
    @Test
    void skewedLengthsAreSeededBoundedAndNearTheTargetMean() {
        SkewedLengths dist = new SkewedLengths(512, 0.25, SkewedLengths.DEFAULT_SIGMA, 42);
        int[] lengths = dist.draw(20000);
        assertArrayEquals(lengths, dist.draw(20000), "same seed, same lengths");
        assertTrue(Arrays.stream(lengths).allMatch(n -> n >= 1 && n <= 512));
        double mean = Arrays.stream(lengths).average().orElseThrow();
        assertTrue(mean > 0.23 * 512 && mean < 0.25 * 512, "mean " + mean);
        int[] sorted = lengths.clone();
        Arrays.sort(sorted);
        assertTrue(sorted[sorted.length / 2] < mean, "right-skewed: median " + sorted[sorted.length / 2]);
        assertEquals("12.5%", new SkewedLengths(64, 0.125, 0.8, 1).meanPercent());
    }

    @Test
    void measuresEverySetupAndFindsPackedOutputsBitIdentical() {
        BlockConfig config = BlockConfig.of(16, 2, 24).withActivation(BlockConfig.Activation.GELU);
        List<SkewedLengths> dists = List.of(new SkewedLengths(40, 0.25, 0.8, 3), new SkewedLengths(40, 0.5, 0.8, 3));
        PackedBench bench = new PackedBench(config, 6, dists, new Timing(0, 1));
        try (JvmBackend backend = new JvmBackend(2)) {
            bench.run(backend, line -> { });
        }
        assertEquals(2 * PackedBench.SETUPS.size(), bench.rows().size());
        for (PackedBench.Row r : bench.rows()) {
            assertTrue(r.identical(), r.setup().name());
            assertTrue(r.millis() > 0 && !(r.cpuMillis() < 0) && r.memory().peakLiveBytes() > 0);
        }
        PackedBench.Row padded = bench.rows().get(0);
        PackedBench.Row packed = bench.rows().get(1);
        assertEquals("padded", padded.setup().name());
        assertEquals(padded.batch().rows(), padded.rowsRun());
        assertEquals(packed.batch().tokens(), packed.rowsRun());
        assertFalse(bench.text().contains("DIFFERS"), bench.text());
        Report report = new Report("test", List.of());
        bench.addTo(report);
        assertEquals(1, report.sections().size());
    }
}
