package dev.squall.engine.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.tasks.testing.RandomArrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SavedTensor} and {@link ActivationCodec}: the stored size (int8 ≥ 3.5× smaller than fp32 at the GPT's
 * widths, group parameters included, and equal to the arrays' bytes), a save/restore through forward and backward
 * graphs on the JVM backend equal to the direct pack/unpack bit for bit and within the codes' bound, {@code none}
 * handing back the forward array itself, seeds per (run, step, tensor), and clear errors for bad written forms.
 */
class SavedTensorTest extends SharedJvmBackend {

    @Test
    void int8IsAtLeast3Point5TimesSmallerAtGptWidths() {
        for (int cols : new int[] {128, 384, 768, 1536, 3 * 384}) {
            SavedTensor t = ActivationCodec.INT8.saved("x", 12 * 64, cols, 0);
            assertTrue(t.ratio() >= 3.5, "int8 at " + cols + " columns: " + t.ratio());
            assertEquals(t.fp32Bytes(), ActivationCodec.NONE.saved("x", 12 * 64, cols, 0).bytes());
        }
        assertEquals(4.0 / (1 + 8.0 / 128), ActivationCodec.INT8.saved("x", 3, 384, 0).ratio(), 1e-12);
        assertEquals(4.0 / (0.5 + 8.0 / 128), ActivationCodec.INT4.saved("x", 3, 384, 0).ratio(), 1e-12);
        assertEquals(4.0 / (0.25 + 8.0 / 128), ActivationCodec.INT2.saved("x", 3, 384, 0).ratio(), 1e-12);
        // odd widths: a partial last byte and group per row
        assertEquals(5 * (ActivationCodecBytes.codes(37, 2) + 8), ActivationCodec.INT2.saved("x", 5, 37, 0).bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int4", "int2:64", "int8:12", "none"})
    void graphsSaveAndRestoreLikeTheDirectCalls(String spec) {
        ActivationCodec codec = ActivationCodec.parse("--act-compress", spec);
        RandomArrays rnd = RandomArrays.fresh();
        int rows = 29;
        int cols = 301;
        float[] x = rnd.gaussian(rows * cols, 0.1, 1.5);
        SavedTensor viaGraph = codec.saved("h.0.mlp.in", rows, cols, 3);
        SavedTensor direct = codec.saved("h.0.mlp.in", rows, cols, 3);
        viaGraph.reseed(42, 7);
        direct.reseed(42, 7);
        float[] back = new float[rows * cols];
        TaskGraph forward = viaGraph.save(new TaskGraph("forward")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x), x);
        TaskGraph backward = new TaskGraph("backward");
        float[] restored = viaGraph.restore(backward, back);
        if (codec.compresses()) {
            backward.transferToHost(DataTransferMode.EVERY_EXECUTION, restored);
        }
        backend.plan(forward, backward).execute();
        if (codec.compresses()) {
            assertSame(back, restored);
            assertEquals(1, forward.tasks().size());
        } else {
            assertSame(x, restored, "none keeps the forward array");
            assertEquals(0, forward.tasks().size() + backward.tasks().size());
        }
        direct.pack(x);
        float[] expected = direct.unpack(new float[rows * cols]);
        assertArrayEquals(expected, restored, spec + ": graph vs direct, seed " + rnd.seed());
        double range = 0;
        for (float v : x) {
            range = Math.max(range, Math.abs(v));
        }
        double step = 2 * range / ((1 << Math.min(codec.bits(), 8)) - 1);
        for (int i = 0; i < x.length; i++) {
            assertTrue(Math.abs(restored[i] - x[i]) <= step * 1.001, spec + ": element " + i + " seed " + rnd.seed());
        }
    }

    /** The codes are live from the forward graph's pack to the backward graph's unpack, the fp32 input only in forward. */
    @Test
    void graphMemorySeesTheCodesBetweenTheGraphs() {
        int rows = 64;
        int cols = 384;
        SavedTensor t = ActivationCodec.INT8.saved("x", rows, cols, 0);
        float[] x = new float[rows * cols];
        TaskGraph forward = t.save(new TaskGraph("forward"), x);
        TaskGraph backward = new TaskGraph("backward");
        t.restore(backward, new float[rows * cols]);
        GraphMemory m = GraphMemory.of(List.of(forward, backward));
        assertEquals(t.bytes() + 2 * t.fp32Bytes() + 4, m.activationBytes(), "codes, input, output and the seed");
    }

    @Test
    void seedsDifferByStepRunAndTensorAndRepeat() {
        SavedTensor a = ActivationCodec.INT2.saved("a", 1, 4, 0);
        SavedTensor b = ActivationCodec.INT2.saved("b", 1, 4, 1);
        a.reseed(1, 5);
        int s15 = a.seed()[0];
        b.reseed(1, 5);
        assertNotEquals(s15, b.seed()[0], "tensor streams");
        a.reseed(1, 6);
        assertNotEquals(s15, a.seed()[0], "steps");
        a.reseed(2, 5);
        assertNotEquals(s15, a.seed()[0], "runs");
        a.reseed(1, 5);
        assertEquals(s15, a.seed()[0], "same run and step");
    }

    @Test
    void badWrittenFormsNameTheOption() {
        for (String bad : new String[] {"int3", "int2:6", "int2:0", "int8:x", "none:4", "", "int8:4:4"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> ActivationCodec.parse("--act-compress", bad));
            assertTrue(e.getMessage().startsWith("--act-compress"), e.getMessage());
        }
        assertEquals(64, ActivationCodec.parse("--act-compress", "INT4:64").groupSize());
        var shape = assertThrows(IllegalArgumentException.class,
                () -> ActivationCodec.INT8.saved("x", 2, 3, 0).pack(new float[5]));
        assertTrue(shape.getMessage().contains("saved tensor x"), shape.getMessage());
    }

    /** Codes bytes per row, written out independently of the kernel's helper. */
    private static final class ActivationCodecBytes {
        static int codes(int cols, int bits) {
            return (cols * bits + 7) / 8;
        }
    }
}
