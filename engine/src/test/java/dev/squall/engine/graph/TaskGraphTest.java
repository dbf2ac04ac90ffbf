package dev.squall.engine.graph;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import dev.squall.tasks.testing.WideKernel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskGraphTest {
    private final float[] a = new float[12];
    private final float[] b = new float[12];
    private final float[] c = new float[12];

    @Test
    void resolvesKernelMethodAndOutputs() {
        TaskGraph g = new TaskGraph("g").task("add", 3, Elementwise::add, a, b, c, 4);
        Task t = g.tasks().get(0);
        assertEquals("Elementwise.add", t.method().label());
        assertEquals(java.util.List.of("a", "b", "out", "cols"),
                t.method().parameters().stream().map(KernelMethod.Param::name).toList());
        assertEquals(2, t.inputs().size());
        assertTrue(t.outputs().get(0) == c);
        assertEquals(96, t.bytesRead());
        assertEquals(48, t.bytesWritten());
    }

    @Test
    void theWidestKernelBindsAndRuns() {
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 5;
        int cols = 7;
        float[][] in = new float[16][];
        for (int t = 0; t < in.length; t++) {
            in[t] = rnd.gaussian(rows * cols);
        }
        float[] out = Poison.array(rows * cols);
        TaskGraph g = new TaskGraph("wide").transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) in)
                .task("sum", rows, WideKernel::weightedSum, in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                        in[8], in[9], in[10], in[11], in[12], in[13], in[14], in[15], out, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        assertEquals(Kernel.MAX_ARGUMENTS, g.tasks().get(0).args().size());
        try (JvmBackend backend = new JvmBackend(2)) {
            backend.plan(g).execute();
        }
        Tolerance.FP32.assertClose(Subject.of("WideKernel.weightedSum", rows + "x" + cols, rnd.seed()), out,
                WideKernel.reference(in, false), WideKernel.reference(in, true));
    }

    @Test
    void rejectsLambdaThatIsNotAMethodReference() {
        Kernel.K4<float[], float[], float[], Integer> lambda =
                (x, y, z, cols, off, cnt) -> Elementwise.add(x, y, z, cols, off, cnt);
        var e = assertThrows(IllegalArgumentException.class, () -> new TaskGraph("g").task("t", 1, lambda, a, b, c, 4));
        assertTrue(e.getMessage().contains("method reference"), e.getMessage());
    }

    @Test
    void rejectsDuplicateNamesNegativeRowsAndNullArguments() {
        TaskGraph g = new TaskGraph("g").task("t", 1, Elementwise::add, a, b, c, 4);
        assertThrows(IllegalArgumentException.class, () -> g.task("t", 1, Elementwise::add, a, b, c, 4));
        assertThrows(IllegalArgumentException.class, () -> g.task("u", -1, Elementwise::add, a, b, c, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> g.task("v", 1, Elementwise::add, a, null, c, 4));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TaskGraph(" "));
        assertThrows(IllegalArgumentException.class, () -> g.transferToDevice(DataTransferMode.UNDER_DEMAND, a));
        assertThrows(IllegalArgumentException.class, () -> g.transferToDevice(DataTransferMode.EVERY_EXECUTION, "x"));
    }

    @Test
    void dataFlowNamesTheUnproducedInput() {
        TaskGraph g = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("add", 3, Elementwise::add, a, b, c, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> DataFlow.check(java.util.List.of(g)));
        assertTrue(e.getMessage().contains("task 'add'") && e.getMessage().contains("'b'"), e.getMessage());
    }

    @Test
    void dataFlowAcceptsOutputsOfEarlierTasksAndPersistedArrays() {
        float[] gamma = new float[4];
        float[] beta = new float[4];
        TaskGraph first = new TaskGraph("first")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                .task("add", 3, Elementwise::add, a, b, c, 4)
                .persistOnDevice(c);
        TaskGraph second = new TaskGraph("second")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, gamma, beta)
                .consumeFromDevice(c)
                .task("ln", 3, Norms::layerNorm, c, gamma, beta, a, 4, 1e-5f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        DataFlow.check(java.util.List.of(first, second));
        var e = assertThrows(IllegalArgumentException.class, () -> DataFlow.check(java.util.List.of(second)));
        assertTrue(e.getMessage().contains("consumes"), e.getMessage());
    }

    @Test
    void transferToHostOfUnwrittenArrayIsRejected() {
        TaskGraph g = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        assertThrows(IllegalArgumentException.class, () -> DataFlow.check(java.util.List.of(g)));
    }

    @Test
    void profileCountsTransfersOnceForFirstExecution() {
        float[] gamma = new float[4];
        float[] beta = new float[4];
        TaskGraph g = new TaskGraph("g")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, gamma, beta)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("ln", 3, Norms::layerNorm, a, gamma, beta, c, 4, 1e-5f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (JvmBackend backend = new JvmBackend(2)) {
            ExecutionPlan plan = backend.plan(g);
            Profile first = plan.execute();
            Profile second = plan.execute();
            assertEquals(32 + 48, first.graphs().get(0).bytesToDevice());
            assertEquals(48, second.graphs().get(0).bytesToDevice());
            assertEquals(48, second.graphs().get(0).bytesToHost());
            assertEquals(2, plan.executions());
            assertEquals("Norms.layerNorm", second.graphs().get(0).tasks().get(0).kernel());
            assertTrue(second.table().contains("Norms.layerNorm"));
        }
    }

    @Test
    void graphMemoryCountsPeakOfLiveActivations() {
        float[] w = new float[100];
        float[] x = new float[10];
        float[] t1 = new float[20];
        float[] t2 = new float[30];
        float[] y = new float[10];
        TaskGraph g = new TaskGraph("g")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("a", 1, Elementwise::addBias, x, w, t1, 10)   // live: x, t1
                .task("b", 1, Elementwise::addBias, t1, w, t2, 10)  // live: x, t1, t2 (x lives: read later)
                .task("c", 1, Elementwise::add, t2, x, y, 10)       // live: x, t2, y
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        GraphMemory m = GraphMemory.of(java.util.List.of(g));
        assertEquals(400, m.weightBytes());
        assertEquals(4 * (10 + 20 + 30 + 10), m.activationBytes());
        assertEquals(4 * (10 + 20 + 30), m.peakLiveBytes());
    }

    @Test
    void breakdownSplitsThePeakByLabel() {
        float[] w = new float[100];
        float[] x = new float[10];
        float[] t1 = new float[20];
        float[] t2 = new float[30];
        float[] y = new float[10];
        float[] state = new float[7];
        TaskGraph g = new TaskGraph("g")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, state)
                .task("a", 1, Elementwise::addBias, x, w, t1, 10)
                .task("b", 1, Elementwise::addBias, t1, w, t2, 10)   // the peak: x, t1, t2
                .task("c", 1, Elementwise::add, t2, x, y, 10)
                .label("saved/t", t1, t2)
                .label("state", state)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        GraphMemory.Breakdown b = GraphMemory.breakdown(java.util.List.of(g), java.util.Set.of(state));
        assertEquals(1, b.peakTask());
        assertEquals(4L * (100 + 7 + 10 + 20 + 30), b.peakBytes());
        assertEquals(java.util.Map.of("saved/t", 200L, "state", 28L, GraphMemory.WEIGHTS, 400L,
                GraphMemory.WORKSPACE, 40L), b.atPeak());
        assertEquals(200L, b.atPeak("saved/"));
        assertEquals(80L, b.total().get(GraphMemory.WORKSPACE));
        assertThrows(IllegalArgumentException.class, () -> g.label(" ", x));
    }
}
