package dev.squall.cli;

import dev.squall.engine.graph.Backends;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --backend}: the JVM backend is built in; tornado is only found under TornadoVM. */
class BackendOptionTest {

    @Test
    void tornadoIsReportedMissingWithWhatToDo() {
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(err, true), "bench", "--backend", "tornado", "--d", "8", "--heads", "2",
                "--ff", "8", "--n", "4");
        assertEquals(2, exit);
        assertTrue(err.toString().contains("backend 'tornado' not available: run under tornado-config/run with TORNADO_SDK set"),
                err.toString());
    }

    @Test
    void unknownBackendsAndJvmOnlyOptionsAreRejected() {
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(err, true), "bench", "--backend", "cuda", "--n", "4"));
        assertTrue(err.toString().contains("backend 'cuda' not available") && err.toString().contains(Backends.JVM),
                err.toString());
    }

    @Test
    void infoSaysHowToGetTornado() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            assertEquals(0, Main.run("info"));
        } finally {
            System.setOut(out);
        }
        assertTrue(captured.toString().contains("tornado: not available"), captured.toString());
    }

    @Test
    void plainRunsThePlainKernelsAndFastPathsRunByDefault(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path x = dir.resolve("x.npy");
        dev.squall.engine.io.Npy.write(x, dev.squall.engine.io.NdArray.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
        for (boolean plain : new boolean[]{true, false}) {
            PrintStream err = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(captured, true));
            try {
                String[] args = {"op", "softmax", x.toString(), "-o", dir.resolve("y.npy").toString(), "--profile"};
                if (plain) {
                    args = java.util.Arrays.copyOf(args, args.length + 1);
                    args[args.length - 1] = "--plain";
                }
                assertEquals(0, Main.run(args));
            } finally {
                System.setErr(err);
            }
            String impl = plain ? " plain " : " vector ";
            assertTrue(captured.toString().contains("Softmax.softmax") && captured.toString().contains(impl),
                    captured.toString());
        }
        assertEquals(2, Main.run(new PrintWriter(new StringWriter(), true), "op", "softmax", x.toString(), "-o",
                dir.resolve("z.npy").toString(), "--plain", "--backend", "tornado"));
    }

    @Test
    void offloadTableRunsOnTheJvm() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            assertEquals(0, Main.run(new PrintWriter(new StringWriter(), true), "bench", "--offload", "--d", "8",
                    "--heads", "2", "--ff", "12", "--n", "5", "--warmup", "0", "--reps", "1", "--threads", "1"));
        } finally {
            System.setOut(out);
        }
        String table = captured.toString();
        for (String row : new String[]{"fused, one graph", "unfused, per task, kept on device",
                "unfused, per task, host round trips"}) {
            assertTrue(table.contains(row), table);
        }
    }

    /** {@code bench --profile} prints, after the tables, the profile of the last run of each graph it timed. */
    @Test
    void benchProfilePrintsEveryTimedGraph() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertEquals(0, Main.run(new PrintWriter(new StringWriter(), true), "bench", "--d", "8", "--heads", "2",
                    "--ff", "12", "--n", "5", "--warmup", "0", "--reps", "1", "--threads", "1", "--profile"));
        } finally {
            System.setErr(err);
        }
        String profile = captured.toString();
        for (String task : new String[]{"FusedAttention.attention", "DenseAttention.scores", "Gemm.panelMatmul"}) {
            assertTrue(profile.contains(task), task + " in " + profile);
        }
    }
}
