package dev.squall.benchmarks.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Charts render to PNG; a log axis is only kept over at least a decade (XChart labels no shorter one). */
class ChartTest {
    @TempDir
    Path dir;

    @Test
    void logAxisNeedsADecade() {
        assertTrue(Chart.spansADecade(List.of(new double[] {1, 5}, new double[] {10})));
        assertFalse(Chart.spansADecade(List.of(new double[] {6, 22, 25})));
        assertFalse(Chart.spansADecade(List.of(new double[] {0, 3})));
    }

    @Test
    void lineAndBarChartsRender() throws IOException {
        Path line = dir.resolve("line.png");
        Chart.logLog("t", "N", "ms").series("a", new double[] {256, 512}, new double[] {6, 25}).writePng(line);
        Path bars = dir.resolve("bars.png");
        Chart.bars("g", "shape", "GFLOP/s", List.of("x", "y")).series("s", null, new double[] {1, 2}).writePng(bars);
        assertTrue(Files.size(line) > 1000 && Files.size(bars) > 1000);
    }

    @Test
    void barSeriesNeedOneValuePerCategory() {
        Chart bars = Chart.bars("g", "x", "y", List.of("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> bars.series("s", null, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> bars.series("s", new double[] {1, 2}, new double[] {1, 2}));
    }
}
