package dev.squall.benchmarks.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Markdown tables stay tables when a cell holds a pipe. */
class TableTest {
    @Test
    void pipesInCellsAreEscaped() {
        Table t = Table.of("N", "max |diff|").row("1", "2e-7").build();
        assertEquals("| N | max \\|diff\\| |\n|---|---|\n| 1 | 2e-7 |\n", t.markdown());
    }
}
