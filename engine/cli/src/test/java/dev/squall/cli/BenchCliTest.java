package dev.squall.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code squall bench}'s progress output, warm-up options and the options each suite reads. */
class BenchCliTest {
    private static final String[] TINY = {"--d", "16", "--heads", "2", "--ff", "32", "--reps", "1"};

    @Test
    void withoutATerminalProgressIsOneLinePerMeasuredConfiguration() {
        Output o = bench("--suite", "all", "--n", "8,16", "--attention-n", "8,16,32", "--gemm-m", "4",
                "--warmup", "0", "--warmup-max", "0");
        assertEquals(0, o.exit, o.err);
        List<String> lines = o.err.lines().filter(l -> l.startsWith("bench: ")).toList();
        // 2 block lengths, 3 attention lengths, 3 GEMM shapes (1024³ and the two feed-forward GEMMs of 4 rows)
        assertEquals(8, lines.size(), o.err);
        assertTrue(lines.get(0).matches("bench: block N=8: unfused [0-9.]+ ms, fused [0-9.]+ ms \\(warm-up 0/0 runs\\)"),
                lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("bench: gemm 4×16·16×32: squall ")), o.err);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("bench: gemm 4×32·32×16: squall ")), o.err);
        assertTrue(o.out.contains("Median of 1 runs after 0 warm-up runs."), o.out);
    }

    @Test
    void quietPrintsResultsOnly() {
        Output o = bench("--n", "8", "--quiet", "--warmup-max", "0", "--warmup", "0");
        assertEquals(0, o.exit, o.err);
        assertTrue(o.err.lines().noneMatch(l -> l.startsWith("bench")), o.err);
        assertTrue(o.out.contains("block: d=16 heads=2 ff=32"), o.out);
    }

    @Test
    void warmupConvergesByDefaultAndSaysHowManyRunsItTook() {
        Output o = bench("--n", "8", "--warmup", "1", "--warmup-max", "7");
        assertEquals(0, o.exit, o.err);
        assertTrue(o.out.contains("each contender at least 1 runs, then until none of its last 5 runs beats its best "
                + "earlier run by more than 5 % (6 runs or more), at most 7 runs or 30 s"), o.out);
        String row = o.out.lines().filter(l -> l.startsWith("8 ")).findFirst().orElseThrow();
        assertTrue(row.matches(".* [67]\\*?/[67]\\*?"), row);
    }

    @Test
    void optionsNoSuiteReadsAndBadWarmupsAreRejected() {
        assertRejected("--n does not apply to the suites that run (gemm); it is read by block", "--suite", "gemm",
                "--n", "8");
        assertRejected("--gemm-m does not apply to the suites that run (block); it is read by gemm", "--gemm-m", "8");
        assertRejected("--attention-n does not apply to the suites that run (block, gemm); it is read by attention",
                "--suite", "block,gemm", "--attention-n", "8");
        assertRejected("--warmup-max must be >= --warmup, got 3 and 5", "--warmup", "5", "--warmup-max", "3");
        assertRejected("--peer: unknown peer 'torch' (onnxruntime)", "--peer", "torch");
        assertRejected("--peer does not apply to the suites that run (attention); it is read by block", "--suite",
                "attention", "--peer", "onnxruntime");
        assertRejected("--peer does not apply to the suites that run (block --offload); it is read by block",
                "--offload", "--peer", "onnxruntime");
    }

    private static void assertRejected(String message, String... args) {
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(err, true), prepend("bench", args)), err.toString());
        assertTrue(err.toString().contains(message), err.toString());
    }

    private record Output(int exit, String out, String err) {
    }

    /** Runs {@code bench} on a tiny block with standard output and error captured (error is not a terminal). */
    private static Output bench(String... args) {
        String[] all = prepend("bench", concat(TINY, args));
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.run(all);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Output(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static String[] prepend(String first, String... rest) {
        return concat(new String[] {first}, rest);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
