package dev.squall.benchmarks.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.benchmarks.report.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attention-pattern suite on tiny shapes: rows, errors against dense, the budget, the report. */
class AttentionPatternBenchTest {
    @TempDir
    Path dir;

    @Test
    void measuresEveryPatternAndWritesTheReport() throws IOException {
        AttentionPatternBench bench = new AttentionPatternBench(List.of("local:100", "topk:2", "linformer:64:1", "linear"),
                new int[] {32, 64}, 2, 8, true, 60, new Timing(0, 1));
        try (JvmBackend backend = new JvmBackend(2)) {
            bench.run(backend, line -> { });
        }
        List<AttentionPatternBench.Row> rows = bench.rows();
        assertEquals(2 * 5, rows.size());
        AttentionPatternBench.Row wide = rows.stream().filter(r -> r.n() == 64 && r.op().equals("local:100")).findFirst().orElseThrow();
        assertTrue(wide.ran() && wide.error().relativeFrobenius() < 1e-5, "a window wider than N is dense: " + wide);
        assertTrue(wide.working() > 0 && wide.extra() >= 0, wide.toString());
        AttentionPatternBench.Row linformer = rows.stream().filter(r -> r.n() == 32 && r.op().startsWith("linformer")).findFirst().orElseThrow();
        assertTrue(!linformer.ran() && linformer.note().contains("R=64 exceeds the longest sequence"), linformer.toString());
        assertTrue(bench.text().contains("time(2N)/time(N)"), bench.text());
        assertTrue(bench.text().contains("eff. vs dense"), bench.text());
        AttentionPatternBench.Row dense = rows.stream().filter(r -> r.n() == 64 && r.op().equals(AttentionPatternBench.DENSE))
                .findFirst().orElseThrow();
        assertEquals(1.0, bench.efficiency(dense, dense), 1e-12, "dense against itself");
        // A window wider than N is dense attention: same scores, so its efficiency is the time ratio.
        assertEquals(dense.millis() / wide.millis(), bench.efficiency(wide, dense), 1e-9);
        Report report = new Report("test", List.of("machine"));
        bench.addTo(report);
        Path md = report.writeTo(dir);
        assertTrue(Files.readString(md).contains("Sparse, low-rank and linear attention vs dense"));
        assertEquals(2, Files.list(dir).filter(f -> f.toString().endsWith(".png")).count(), "time and memory charts");
    }

    @Test
    void skipsWhatWouldExceedTheBudget() {
        AttentionPatternBench bench = new AttentionPatternBench(List.of("local:4"), new int[] {64, 256, 4096}, 1, 8, false,
                1e-6, new Timing(0, 1));
        try (JvmBackend backend = new JvmBackend(1)) {
            bench.run(backend, line -> { });
        }
        assertTrue(bench.rows().stream().filter(r -> r.n() == 64).allMatch(AttentionPatternBench.Row::ran));
        assertTrue(bench.rows().stream().filter(r -> r.n() > 64).noneMatch(AttentionPatternBench.Row::ran),
                "nothing fits a budget of a microsecond after the first length");
        assertTrue(bench.rows().stream().filter(r -> r.n() == 4096).allMatch(r -> r.note().contains("shorter length")));
    }

    @Test
    void labelsLeaveOutDirectories() {
        assertEquals("block:64:band.npy", AttentionPatternBench.label("block:64:/tmp/x/band.npy"));
        assertEquals("linformer:e.npy:f.npy", AttentionPatternBench.label("linformer:/a/e.npy:b/f.npy"));
        assertEquals("longformer:4:1/2:0", AttentionPatternBench.label("longformer:4:1/2:0"));
    }
}
