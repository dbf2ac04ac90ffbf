package dev.squall.engine.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.tasks.testing.RandomArrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link GradScaler} against PyTorch's {@code GradScaler} rules, step by step: initial scale 65536; a forced
 * overflow skips exactly that step and halves the scale; 2000 good steps double it, 1999 do not, and an overflow
 * restarts the count; the state survives a checkpoint; the unscale tasks divide every gradient exactly and flag an
 * inf or NaN in any of them; a disabled scaler never skips.
 */
class GradScalerTest extends SharedJvmBackend {

    @Test
    void aForcedOverflowSkipsExactlyOneStepAndHalvesTheScale() {
        GradScaler s = new GradScaler();
        assertEquals(65536f, s.scale());
        int applied = 0;
        for (int step = 0; step < 10; step++) {
            applied += s.update(step == 4) ? 1 : 0;
        }
        assertEquals(9, applied);
        assertEquals(1, s.skippedSteps());
        assertEquals(32768f, s.scale());
        assertEquals(5, s.growthTracker(), "good steps since the overflow");
    }

    @Test
    void growsAfter2000GoodStepsAndAnOverflowRestartsTheCount() {
        GradScaler s = new GradScaler();
        for (int step = 1; step < 2000; step++) {
            assertTrue(s.update(false));
        }
        assertEquals(65536f, s.scale(), "after 1999 good steps");
        assertTrue(s.update(false));
        assertEquals(131072f, s.scale(), "after 2000");
        assertEquals(0, s.growthTracker());
        for (int step = 0; step < 1500; step++) {
            s.update(false);
        }
        assertFalse(s.update(true));
        assertEquals(65536f, s.scale());
        for (int step = 0; step < 1999; step++) {
            s.update(false);
        }
        assertEquals(65536f, s.scale(), "1500 good steps before the overflow do not count");
        s.update(false);
        assertEquals(131072f, s.scale());
        assertEquals(1f / 131072f, s.inverseFactor()[0]);
        assertEquals(131072f, s.scaleFactor()[0]);
    }

    @Test
    void growthStopsBeforeOverflowingAndBackoffsCompound() {
        GradScaler s = new GradScaler(0x1p127f, 2f, 0.5f, 1);
        s.update(false);
        assertEquals(0x1p127f, s.scale(), "2^128 is not finite: the scale stays");
        for (int i = 0; i < 3; i++) {
            s.update(true);
        }
        assertEquals(0x1p124f, s.scale());
        assertEquals(3, s.skippedSteps());
    }

    @Test
    void stateSurvivesACheckpoint() {
        GradScaler s = new GradScaler();
        for (int step = 0; step < 700; step++) {
            s.update(step == 100 || step == 300);
        }
        GradScaler resumed = new GradScaler();
        resumed.load(GradScaler.State.fromArray("optimizer.npz scaler", s.state().toArray()));
        assertEquals(s.state(), resumed.state());
        for (int step = 0; step < 3000; step++) {
            boolean bad = step % 977 == 5;
            assertEquals(s.update(bad), resumed.update(bad));
        }
        assertEquals(s.state(), resumed.state());
        assertThrows(IllegalArgumentException.class, () -> GradScaler.State.fromArray("x", new float[] {0f, 1f, 0f}));
        assertThrows(IllegalArgumentException.class, () -> GradScaler.State.fromArray("x", new float[] {1f, 2f}));
    }

    @Test
    void unscaleTasksDivideExactlyAndFindInfOrNaN() {
        RandomArrays rnd = RandomArrays.fresh();
        for (float bad : new float[] {0f, Float.NaN, Float.POSITIVE_INFINITY}) {
            GradScaler s = new GradScaler();
            float[] a = rnd.gaussian(37, 0, 100);
            float[] b = rnd.gaussian(1001, 0, 100);
            b[999] = bad == 0f ? b[999] : bad;
            float[] a0 = a.clone();
            float[] b0 = b.clone();
            TaskGraph g = s.addUnscale(new TaskGraph("unscale")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b), "grads", List.of(a, b), 64)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, a, b);
            backend.plan(g).execute();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a0[i] / 65536f, a[i], 0f, "seed " + rnd.seed());
            }
            assertEquals(bad == 0f ? 0 : 1, s.found()[0], "found, " + bad);
            boolean applied = s.update();
            assertEquals(bad == 0f, applied);
            assertEquals(bad == 0f ? 65536f : 32768f, s.scale());
            if (bad == 0f) {
                for (int i = 0; i < b.length; i++) {
                    assertEquals(b0[i] / 65536f, b[i], 0f);
                }
            }
        }
    }

    @Test
    void disabledNeverScalesOrSkips() {
        GradScaler s = Precision.BF16.scaler();
        assertFalse(s.enabled());
        assertTrue(s.update(true));
        assertEquals(1f, s.scale());
        float[] g = {1f, Float.NaN};
        backend.plan(s.addUnscale(new TaskGraph("check").transferToDevice(DataTransferMode.EVERY_EXECUTION, g), "g",
                List.of(g), 4)).execute();
        assertArrayEquals(new float[] {1f, Float.NaN}, g);
        assertEquals(1, s.found()[0], "the check still runs");
        assertTrue(Precision.FP16.scaler().enabled());
        assertEquals(Precision.FP16, Precision.parse("--precision", "FP16"));
        var e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("--precision", "fp8"));
        assertTrue(e.getMessage().startsWith("--precision"));
    }
}
