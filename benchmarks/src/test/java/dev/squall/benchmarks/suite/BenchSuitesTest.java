package dev.squall.benchmarks.suite;

import dev.squall.benchmarks.peer.BlasPeer;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.benchmarks.report.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GEMM and attention suites on tiny shapes: they run, agree with themselves and fill a report. */
class BenchSuitesTest {
    @TempDir
    Path dir;

    @Test
    void gemmSuiteNamesThePeerThatRanAndComputesTheSameProduct() throws IOException {
        GemmBench gemm = new GemmBench(List.of(new int[] {5, 7, 3}, new int[] {17, 1, 9}), new Timing(0, 1));
        List<String> progress = new ArrayList<>();
        try (JvmBackend backend = new JvmBackend(2)) {
            gemm.run(backend, progress::add);
        }
        assertEquals(2, gemm.rows().size());
        for (GemmBench.Row r : gemm.rows()) {
            assertTrue(r.millis().size() >= 3, r.toString());
            r.millis().keySet().forEach(label -> assertTrue(r.gflops(label) > 0, label));
        }
        assertTrue(gemm.peakGflops() > 0);
        String blas = BlasPeer.system().implementation();
        assertTrue(List.of("JNIBLAS", "VectorBLAS", "Java11BLAS", "Java8BLAS", "F2jBLAS").contains(blas), blas);
        assertTrue(gemm.text().contains("netlib " + blas), gemm.text());
        assertTrue(progress.stream().anyMatch(l -> l.contains("squall plain")), progress.toString());

        Report report = new Report("test", List.of("machine: test box", "backend: jvm"));
        gemm.addTo(report);
        Path md = report.writeTo(dir);
        assertTrue(Files.readString(md).contains("GEMM"));
        assertTrue(Files.list(dir).anyMatch(p -> p.toString().endsWith(".png")));
    }

    @Test
    void gemmShapesFollowTheBlockWidths() {
        List<String> shapes = GemmBench.shapes(64, 256, new int[] {8, 128}).stream()
                .map(s -> s[0] + "," + s[1] + "," + s[2]).toList();
        assertEquals(List.of("1024,1024,1024", "8,256,64", "8,64,256", "128,256,64", "128,64,256"), shapes);
        assertEquals(List.of("1024,1024,1024", "512,3072,768", "512,768,3072", "128,3072,768", "128,768,3072"),
                GemmBench.DEFAULT_SHAPES.stream().map(s -> s[0] + "," + s[1] + "," + s[2]).toList());
    }

    @Test
    void blasPeerMultipliesRowMajorMatrices() {
        float[] a = {1, 2, 3, 4, 5, 6}; // 2x3
        float[] b = {1, 0, 0, 1, 1, 1}; // 3x2
        float[] c = new float[4];
        BlasPeer.java().sgemm(2, 2, 3, a, b, c);
        assertEquals(List.of(4f, 5f, 10f, 11f), List.of(c[0], c[1], c[2], c[3]));
    }

    @Test
    void attentionSuiteComparesFusedAndUnfused() throws IOException {
        AttentionBench attention = new AttentionBench(2, 8, true, new int[] {17, 40}, new Timing(0, 1));
        try (JvmBackend backend = new JvmBackend(2)) {
            attention.run(backend, line -> { });
        }
        assertEquals(2, attention.rows().size());
        for (AttentionBench.Row r : attention.rows()) {
            assertTrue(r.maxAbsDiff() < 1e-5, "fused and unfused differ by " + r.maxAbsDiff());
            assertTrue(r.fused().peakLiveBytes() < r.unfused().peakLiveBytes(), r.toString());
        }
        Report report = new Report("test", List.of("machine: test box"));
        attention.addTo(report);
        report.writeTo(dir);
        String csv = Files.readString(dir.resolve("results.csv"));
        assertTrue(csv.lines().skip(1).allMatch(l -> l.startsWith("\"machine: test box\",\"Attention")), csv);
    }
}
