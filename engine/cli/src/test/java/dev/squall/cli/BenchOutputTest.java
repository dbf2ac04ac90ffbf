package dev.squall.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two progress displays of {@code squall bench}, on captured streams. */
class BenchOutputTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void linesShowConfigurationsAndNoticesNotRuns() {
        try (BenchOutput o = new ProgressLines(stream(out), stream(err))) {
            drive(o);
        }
        assertEquals("bench: onnxruntime: skipped, no PyTorch\nbench: block N=8: fused 1.0 ms\n", text(err));
        assertEquals("the table\n", text(out));
    }

    @Test
    void quietShowsResultsOnly() {
        try (BenchOutput o = new ProgressLines(stream(out), null)) {
            drive(o);
        }
        assertEquals("", text(err));
        assertEquals("the table\n", text(out));
    }

    @Test
    void theBarPrintsSummariesAboveItselfAndClearsItsLineAtTheEnd() {
        try (BenchOutput o = new ProgressBarOutput(stream(out), stream(err), 10, 80)) {
            drive(o);
        }
        String e = text(err);
        assertTrue(e.contains("\r\033[Kbench: block N=8: fused 1.0 ms\n"), e);
        assertTrue(e.contains("\r\033[Kbench: onnxruntime: skipped, no PyTorch\n"), e);
        assertTrue(e.endsWith("\r\033[K"), "the bar is cleared at the end: " + e);
        assertTrue(e.contains("bench ") && e.contains("1 measured"), e);
        assertEquals("the table\n", text(out));
    }

    private static void drive(BenchOutput o) {
        o.notice("onnxruntime: skipped, no PyTorch");
        o.begin("block N=8", 10);
        o.step("block N=8 fused warm-up 1", 0.5);
        o.step("block N=8 fused run 1/1");
        o.done("block N=8: fused 1.0 ms");
        o.results("the table");
    }

    private static PrintStream stream(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
