package dev.squall.tornado;

import dev.squall.engine.graph.ChainGraph;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.GraphSplit;
import dev.squall.engine.graph.Kernel;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.norm.Norms;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import dev.squall.tasks.testing.WideKernel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plans of several graphs, arrays kept on the device between them, and the profile TornadoVM's timers fill. */
class PlanTest {
    private static final int ROWS = 6;
    private static final int COLS = 40;

    /** The chain of {@link ChainGraph} on inputs drawn from {@code seed}. */
    private static ChainGraph chain(long seed) {
        RandomArrays r = RandomArrays.withSeed(seed);
        return ChainGraph.of(r.gaussian(ROWS * COLS), r.gaussian(COLS), ROWS, COLS);
    }

    @Test
    void graphsSplitPerTaskComputeTheSameOnTheDeviceAndThroughTheHost() {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        ChainGraph reference = chain(seed);
        try (JvmBackend jvm = new JvmBackend(1)) {
            jvm.plan(reference.graph()).execute();
        }
        for (GraphSplit.Boundary boundary : GraphSplit.Boundary.values()) {
            ChainGraph chain = chain(seed);
            // PERSIST: graph 3 consumes what graph 1 persisted, which TornadoVM only allows between neighbours
            try (TornadoPlan plan = tornado.plan(GraphSplit.perTask(chain.graph(), boundary))) {
                for (int run = 1; run <= 2; run++) {
                    CrossCheck.poisonOutputs(chain.graph());
                    plan.execute();
                    CrossCheck.assertRowsClose(Subject.of("rmsNorm, SiLU, add split per task", boundary + ", execution "
                            + run, seed), chain.out(), reference.out(), COLS);
                }
            }
        }
    }

    @Test
    void anArrayCanGoToTheHostAndStayOnTheDeviceForTheNextGraph() {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        RandomArrays r = RandomArrays.withSeed(seed);
        float[] x = r.gaussian(ROWS * COLS);
        float[] gamma = r.gaussian(COLS);
        float[] a = new float[ROWS * COLS];
        float[] b = new float[ROWS * COLS];
        TaskGraph first = new TaskGraph("first")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, gamma)
                .task("norm", ROWS, Norms::rmsNorm, x, gamma, a, COLS, 1e-5f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, a)
                .persistOnDevice(a);
        TaskGraph second = new TaskGraph("second")
                .consumeFromDevice(a)
                .task("act", ROWS, Activations::activation, a, b, COLS, Activations.SILU)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, b);
        float[] expectedA = new float[a.length];
        float[] expectedB = new float[b.length];
        Norms.rmsNorm(x, gamma, expectedA, COLS, 1e-5f, 0, ROWS);
        Activations.activation(expectedA, expectedB, COLS, Activations.SILU, 0, ROWS);
        try (TornadoPlan plan = tornado.plan(List.of(first, second))) {
            for (int run = 1; run <= 2; run++) {
                CrossCheck.poisonOutputs(first);
                CrossCheck.poisonOutputs(second);
                plan.execute();
                Subject s = Subject.of("rmsNorm then SiLU", "a to the host and persisted, execution " + run, seed);
                CrossCheck.assertRowsClose(s, a, expectedA, COLS);
                CrossCheck.assertRowsClose(s, b, expectedB, COLS);
            }
        }
    }

    /** A kernel of 18 arguments, the most a task binds: with the row range, TornadoVM's largest task. */
    @Test
    void theWidestKernelRunsOnTheDevice() {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        RandomArrays r = RandomArrays.withSeed(seed);
        float[][] in = new float[16][];
        for (int t = 0; t < in.length; t++) {
            in[t] = r.gaussian(ROWS * COLS);
        }
        float[] out = new float[ROWS * COLS];
        TaskGraph g = new TaskGraph("wide").transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) in)
                .task("sum", ROWS, WideKernel::weightedSum, in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                        in[8], in[9], in[10], in[11], in[12], in[13], in[14], in[15], out, COLS)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        assertEquals(Kernel.MAX_ARGUMENTS, g.tasks().get(0).args().size());
        try (TornadoPlan plan = tornado.plan(g)) {
            CrossCheck.poisonOutputs(g);
            plan.execute();
        }
        Tolerance.FP32.assertClose(Subject.of("WideKernel.weightedSum on TornadoVM", ROWS + "x" + COLS, seed), out,
                WideKernel.reference(in, false), WideKernel.reference(in, true));
    }

    @Test
    void profileHoldsTornadoTimersAndRealTransfers() {
        TornadoBackend tornado = TornadoVm.backend();
        ChainGraph chain = chain(Seeds.fresh());
        try (TornadoPlan plan = tornado.plan(chain.graph())) {
            Profile first = plan.execute();
            Profile second = plan.execute();
            assertEquals(2, plan.executions());
            Profile.DeviceTimers t1 = first.deviceTimers();
            Profile.DeviceTimers t2 = second.deviceTimers();
            assertTrue(t1.compileNanos() > 0 && t2.compileNanos() == 0, first.table());
            assertTrue(t2.kernelNanos() > 0 && t2.copyInNanos() > 0 && t2.copyOutNanos() > 0, second.table());
            for (Profile.TaskProfile task : second.graphs().get(0).tasks()) {
                assertTrue(task.nanos() > 0, second.table());
                assertEquals(tornado.device().getTornadoVMBackend().name().toLowerCase(java.util.Locale.ROOT),
                        task.implementation());
            }
            long arrayBytes = 4L * ROWS * COLS;
            Profile.GraphProfile g = second.graphs().get(0);
            // x in and out back (plus TornadoVM's array headers and kernel arguments); gamma only the first time
            assertTrue(g.bytesToDevice() >= arrayBytes && g.bytesToHost() >= arrayBytes, second.table());
            assertTrue(first.graphs().get(0).bytesToDevice() > g.bytesToDevice(), first.table() + second.table());
            assertTrue(second.table().contains("(device timers)"), second.table());
        }
    }
}
