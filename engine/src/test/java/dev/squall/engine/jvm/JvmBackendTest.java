package dev.squall.engine.jvm;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JvmBackendTest {

    /** Test kernel: counts how often each row runs (rows must each run exactly once). */
    public static void countRows(@Out int[] visits, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            visits[rowOffset + r]++;
        }
    }

    /** Test kernel that fails on row 5. */
    public static void failOnRow5(@Out int[] out, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            out[rowOffset + r] = 10 / (rowOffset + r - 5);
        }
    }

    @Test
    void everyRowRunsExactlyOnceForAnyThreadCountAndSize() {
        for (int threads : new int[]{1, 2, 3, 8}) {
            try (JvmBackend backend = new JvmBackend(threads)) {
                for (int rows : new int[]{0, 1, 2, 7, 31, 1000, 1023}) {
                    int[] visits = new int[rows];
                    TaskGraph g = new TaskGraph("g").task("count", rows, JvmBackendTest::countRows, visits)
                            .transferToHost(DataTransferMode.EVERY_EXECUTION, visits);
                    backend.plan(g).execute();
                    int[] ones = new int[rows];
                    Arrays.fill(ones, 1);
                    assertArrayEquals(ones, visits, "threads=" + threads + " rows=" + rows);
                }
            }
        }
    }

    @Test
    void plansOfOneBackendRunFromSeveralThreadsAtOnce() throws InterruptedException {
        try (JvmBackend backend = new JvmBackend(3)) {
            int callers = 4;
            int rows = 997;
            int[][] visits = new int[callers][rows];
            Thread[] threads = new Thread[callers];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < callers; t++) {
                int[] v = visits[t];
                TaskGraph g = new TaskGraph("g" + t).task("count", rows, JvmBackendTest::countRows, v)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, v);
                threads[t] = new Thread(() -> {
                    try {
                        var plan = backend.plan(g);
                        for (int run = 0; run < 50; run++) {
                            plan.execute();
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get());
            int[] fifty = new int[rows];
            Arrays.fill(fifty, 50);
            for (int[] v : visits) {
                assertArrayEquals(fifty, v);
            }
        }
    }

    @Test
    void aClosedBackendRunsNothing() {
        JvmBackend backend = new JvmBackend(2);
        int[] visits = new int[10];
        var plan = backend.plan(new TaskGraph("g").task("count", 10, JvmBackendTest::countRows, visits));
        backend.close();
        assertThrows(IllegalStateException.class, plan::execute);
    }

    @Test
    void kernelFailureNamesTheTask() {
        int[] out = new int[10];
        TaskGraph g = new TaskGraph("g").task("divide", 10, JvmBackendTest::failOnRow5, out);
        try (JvmBackend backend = new JvmBackend(2)) {
            var e = assertThrows(IllegalStateException.class, () -> backend.plan(g).execute());
            assertTrue(e.getMessage().contains("task 'divide'"), e.getMessage());
            assertTrue(e.getCause() instanceof ArithmeticException);
        }
    }

    @Test
    void rejectsNonPositiveThreads() {
        assertThrows(IllegalArgumentException.class, () -> new JvmBackend(0));
    }

    @Test
    void describesItself() {
        try (JvmBackend backend = new JvmBackend(3)) {
            assertEquals("jvm", backend.name());
            assertEquals(3, backend.threads());
            assertTrue(backend.description().contains("3 threads"));
        }
    }
}
