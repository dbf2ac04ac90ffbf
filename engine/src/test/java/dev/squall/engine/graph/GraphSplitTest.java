package dev.squall.engine.graph;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.activation.Activations;
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

    @Test
    void splitGraphsComputeTheSameAndMoveWhatTheBoundarySays() {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(ROWS * COLS);
        float[] gamma = rnd.gaussian(COLS);
        long arrayBytes = 4L * ROWS * COLS;
        try (JvmBackend backend = new JvmBackend(2)) {
            ChainGraph whole = ChainGraph.of(x, gamma, ROWS, COLS);
            Profile one = run(backend, List.of(whole.graph()));
            assertEquals(2 * arrayBytes, one.bytesTransferred());

            ChainGraph persisted = ChainGraph.of(x, gamma, ROWS, COLS);
            List<TaskGraph> onDevice = GraphSplit.perTask(persisted.graph(), GraphSplit.Boundary.PERSIST);
            assertEquals(List.of("chain/norm", "chain/act", "chain/add"), onDevice.stream().map(TaskGraph::name).toList());
            assertEquals(2 * arrayBytes, run(backend, onDevice).bytesTransferred());
            assertTrue(onDevice.get(2).consumed().size() == 2 && onDevice.get(0).persisted().size() == 1);
            assertArrayEquals(whole.out(), persisted.out());

            ChainGraph roundTrips = ChainGraph.of(x, gamma, ROWS, COLS);
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
