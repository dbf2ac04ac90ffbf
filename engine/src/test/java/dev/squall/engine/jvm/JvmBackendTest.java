package dev.squall.engine.jvm;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
