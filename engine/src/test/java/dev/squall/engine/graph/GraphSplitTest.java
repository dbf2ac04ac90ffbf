package dev.squall.engine.graph;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphSplitTest {
    private static final int ROWS = 5;
    private static final int COLS = 7;

    /** x -> rmsNorm -> a -> silu -> b; out = a + b: {@code a} is read two graphs later. */
    private record Chain(TaskGraph graph, float[] out) {
        static Chain build(float[] x, float[] gamma) {
            float[] a = new float[x.length];
            float[] b = new float[x.length];
            float[] out = new float[x.length];
            TaskGraph g = new TaskGraph("chain")
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, gamma)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                    .task("norm", ROWS, Norms::rmsNorm, x, gamma, a, COLS, 1e-5f)
                    .task("act", ROWS, Activations::activation, a, b, COLS, Activations.SILU)
                    .task("add", ROWS, Elementwise::add, a, b, out, COLS)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            return new Chain(g, out);
        }
    }

    @Test
    void splitGraphsComputeTheSameAndMoveWhatTheBoundarySays() {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(ROWS * COLS);
        float[] gamma = rnd.gaussian(COLS);
        long arrayBytes = 4L * ROWS * COLS;
        try (JvmBackend backend = new JvmBackend(2)) {
            Chain whole = Chain.build(x, gamma);
            Profile one = run(backend, List.of(whole.graph()));
            assertEquals(2 * arrayBytes, one.bytesTransferred());

            Chain persisted = Chain.build(x, gamma);
            List<TaskGraph> onDevice = GraphSplit.perTask(persisted.graph(), GraphSplit.Boundary.PERSIST);
            assertEquals(List.of("chain/norm", "chain/act", "chain/add"), onDevice.stream().map(TaskGraph::name).toList());
            assertEquals(2 * arrayBytes, run(backend, onDevice).bytesTransferred());
            assertTrue(onDevice.get(2).consumed().size() == 2 && onDevice.get(0).persisted().size() == 1);
            assertArrayEquals(whole.out(), persisted.out());

            Chain roundTrips = Chain.build(x, gamma);
            List<TaskGraph> naive = GraphSplit.perTask(roundTrips.graph(), GraphSplit.Boundary.HOST_ROUND_TRIP);
            // x in, a out, a in, b out, a and b in, out out
            assertEquals(7 * arrayBytes, run(backend, naive).bytesTransferred());
            assertArrayEquals(whole.out(), roundTrips.out());
        }
    }

    @Test
    void rejectsGraphsThatExchangeArraysWithOthers() {
        float[] a = new float[4];
        float[] b = new float[4];
        TaskGraph g = new TaskGraph("g").consumeFromDevice(a).task("t", 1, Activations::activation, a, b, 4, 0);
        assertThrows(IllegalArgumentException.class, () -> GraphSplit.perTask(g, GraphSplit.Boundary.PERSIST));
    }

    /** Runs twice and returns the second (steady-state) profile. */
    private static Profile run(Backend backend, List<TaskGraph> graphs) {
        ExecutionPlan plan = backend.plan(graphs);
        plan.execute();
        return plan.execute();
    }
}
