package dev.squall.engine.jvm;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.elementwise.Elementwise;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FastPathsTest {

    /** A stand-in fast path for {@link Elementwise#add} that counts its calls. */
    @FastPathFor(value = Elementwise.class, label = "test")
    public static final class CountingAdd {
        static final AtomicInteger CALLS = new AtomicInteger();

        public static void add(float[] a, float[] b, float[] out, int cols, int rowOffset, int rowCount) {
            CALLS.incrementAndGet();
            Elementwise.add(a, b, out, cols, rowOffset, rowCount);
        }
    }

    /** Replaces nothing: no kernel of Elementwise has this signature. */
    @FastPathFor(Elementwise.class)
    public static final class Mismatched {
        public static void add(float[] a, float[] out, int cols, int rowOffset, int rowCount) {
        }
    }

    @Test
    void backendRunsTheFastPathAndProfilesIt() {
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {10, 20, 30, 40, 50, 60};
        float[] out = new float[6];
        TaskGraph g = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                .task("add", 3, Elementwise::add, a, b, out, 2)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        CountingAdd.CALLS.set(0);
        try (JvmBackend backend = new JvmBackend(2, FastPaths.of(CountingAdd.class))) {
            Profile p = backend.plan(g).execute();
            assertEquals("test", p.graphs().get(0).tasks().get(0).implementation());
            assertTrue(backend.description().contains("fast paths on, 1 kernels"), backend.description());
        }
        assertTrue(CountingAdd.CALLS.get() >= 1);
        assertArrayEquals(new float[]{11, 22, 33, 44, 55, 66}, out);
    }

    @Test
    void plainKernelsRunWithoutFastPaths() {
        float[] a = {1};
        float[] out = new float[1];
        TaskGraph g = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("add", 1, Elementwise::add, a, a, out, 1);
        try (JvmBackend backend = new JvmBackend(1, FastPaths.none())) {
            assertEquals("plain", backend.plan(g).execute().graphs().get(0).tasks().get(0).implementation());
        }
    }

    @Test
    void aFastPathMustReplaceAKernel() {
        var e = assertThrows(IllegalArgumentException.class, () -> FastPaths.of(Mismatched.class));
        assertTrue(e.getMessage().contains("replaces no kernel"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FastPaths.of(String.class));
    }
}
