package dev.squall.engine.jvm;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.activation.Activations;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A plan's constants: copies derived once per plan, only from arrays transferred on first execution that no
 * task writes; GEMMs on packed weights give the bits of GEMMs on the weights themselves.
 */
class PlanConstantsTest {
    @Test
    void derivesOncePerPlanAndOnlyFromItsConstants() {
        float[] weights = new float[4];
        float[] other = new float[4];
        AtomicInteger made = new AtomicInteger();
        assertNull(PlanConstants.derived(weights, "kind", made::incrementAndGet), "no plan runs");
        new PlanConstants(Set.of(weights)).within(() -> {
            Integer first = PlanConstants.derived(weights, "kind", made::incrementAndGet);
            assertSame(first, PlanConstants.derived(weights, "kind", made::incrementAndGet));
            assertNotNull(PlanConstants.derived(weights, "other kind", made::incrementAndGet));
            assertNull(PlanConstants.derived(other, "kind", made::incrementAndGet));
            assertNull(PlanConstants.derived(weights.clone(), "kind", made::incrementAndGet), "by identity");
        });
        assertEquals(2, made.get());
        assertNull(PlanConstants.derived(weights, "kind", made::incrementAndGet), "left the plan");
    }

    @Test
    void packedWeightsGiveTheBitsOfThePlainArrays() {
        int m = 150;
        int n = 131;
        int k = 600;
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(m * k);
        float[] b = rnd.gaussian(k * n);
        float[] bias = rnd.gaussian(n);
        Subject subject = Subject.of("GEMM on plan constants", "M=" + m + " N=" + n + " K=" + k, rnd.seed())
                .rowsOf(n);
        float[] expected = run(a, b, bias, m, n, k, DataTransferMode.EVERY_EXECUTION, 1, false);
        for (boolean panels : new boolean[] {false, true}) {
            for (int threads : new int[] {1, 2, 3}) {
                BitExact.assertIdentical(subject.with("threads=" + threads + " panels=" + panels), expected,
                        run(a, b, bias, m, n, k, DataTransferMode.FIRST_EXECUTION, threads, panels));
            }
        }
    }

    @Test
    void anArrayATaskWritesIsNoConstant() {
        int m = 40;
        int n = 64;
        int k = 32;
        RandomArrays rnd = RandomArrays.fresh();
        float[] a = rnd.gaussian(m * k);
        float[] b = rnd.gaussian(k * n);
        float[] delta = rnd.gaussian(k * n);
        float[] c = new float[m * n];
        float[] noBias = new float[n];
        // b is transferred once but rewritten (b += delta) before each product: every run must see the new b.
        TaskGraph g = new TaskGraph("g").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b, delta, noBias)
                .task("update", k, Elementwise::add, b, delta, b, n)
                .task("gemm", (m + 15) / 16, Gemm::tiledMatmul, a, b, noBias, c, m, n, k, 0, Activations.IDENTITY, 16,
                        64, 64)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (JvmBackend backend = new JvmBackend(2)) {
            ExecutionPlan plan = backend.plan(g);
            for (int run = 0; run < 3; run++) {
                plan.execute();
                float[] expected = new float[m * n];
                Gemm.matmul(a, b, noBias, expected, n, k, 0, Activations.IDENTITY, 0, m);
                Subject subject = Subject.of("GEMM after its weights change", "run " + run, rnd.seed()).rowsOf(n);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], c[i], 1e-4f * k, subject.where(i));
                }
            }
        }
    }

    private static float[] run(float[] a, float[] b, float[] bias, int m, int n, int k, DataTransferMode weights,
                               int threads, boolean panels) {
        float[] c = new float[m * n];
        TaskGraph g = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .transferToDevice(weights, b, bias);
        if (panels) {
            g.task("gemm", (n + 63) / 64, Gemm::panelMatmul, a, b, bias, c, m, n, k, 1, Activations.RELU, 16, 64, 64);
        } else {
            g.task("gemm", (m + 15) / 16, Gemm::tiledMatmul, a, b, bias, c, m, n, k, 1, Activations.RELU, 16, 64, 64);
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (JvmBackend backend = new JvmBackend(threads)) {
            ExecutionPlan plan = backend.plan(g);
            plan.execute();
            java.util.Arrays.fill(c, Float.NaN);
            plan.execute(); // the second run uses the packed copy made by the first
        }
        return c;
    }
}
