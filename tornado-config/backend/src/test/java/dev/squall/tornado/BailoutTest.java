package dev.squall.tornado;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.norm.Norms;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A kernel TornadoVM cannot run is a failure naming its graph, task and kernel, never a silent Java run. */
class BailoutTest {
    private final float[] x = new float[16];
    private final float[] out = new float[16];
    private final float[] gamma = new float[4];

    /** A graph whose second task is the bad one: the report must name that task, not the graph. */
    private TaskGraph graph(String badTask, dev.squall.engine.graph.Kernel.K2<float[], float[]> bad) {
        float[] normed = new float[16];
        return new TaskGraph("bad")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, gamma)
                .task("fine", 4, Norms::rmsNorm, x, gamma, normed, 4, 1e-5f)
                .task(badTask, 16, bad, normed, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
    }

    @Test
    void codeTheBackendCannotGenerateFailsWhenThePlanIsBuilt() {
        TornadoBackend tornado = TornadoVm.backend();
        var e = assertThrows(KernelBailoutException.class, () -> tornado.plan(graph("cast", UncompilableKernels::bitCast)));
        assertNamed(e, "cast", "UncompilableKernels.bitCast", "could not compile");
    }

    @Test
    void withoutPrecompilationItFailsOnTheFirstExecution() {
        TornadoVm.backend();
        Properties p = new Properties();
        p.setProperty("precompile", "false");
        p.setProperty("gemm.tiles.default", "4x4x4");
        try (TornadoBackend lazy = new TornadoBackend(TornadoSettings.parse(p, "test"))) {
            TornadoPlan plan = lazy.plan(graph("cast", UncompilableKernels::bitCast));
            var e = assertThrows(KernelBailoutException.class, plan::execute);
            assertNamed(e, "cast", "UncompilableKernels.bitCast", "could not compile");
        }
    }

    @Test
    void loopsTornadoCannotParalleliseFailWhenTheTaskIsAnalysed() {
        TornadoBackend tornado = TornadoVm.backend();
        var e = assertThrows(KernelBailoutException.class,
                () -> tornado.plan(graph("offset", UncompilableKernels::fromOffset)));
        assertNamed(e, "offset", "UncompilableKernels.fromOffset", "could not analyse");
    }

    private static void assertNamed(KernelBailoutException e, String task, String kernel, String what) {
        assertEquals("bad", e.graph());
        assertEquals(task, e.task());
        assertEquals(kernel, e.kernel());
        assertTrue(e.getMessage().contains("graph 'bad' task '" + task + "' (" + kernel + ")")
                && e.getMessage().contains(what), e.getMessage());
    }
}
