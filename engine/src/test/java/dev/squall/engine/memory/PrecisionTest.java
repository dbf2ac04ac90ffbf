package dev.squall.engine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.tasks.precision.BFloat16;
import dev.squall.tasks.precision.Half;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Precision#addRound} through the JVM backend: bf16 and fp16 equal {@code decode(encode(x))} of the storage
 * formats bit for bit (so values computed in a rounded fp32 array and values stored as {@code short} bits agree),
 * in place too; fp32 adds no task.
 */
class PrecisionTest extends SharedJvmBackend {
    @Test
    void roundsLikeTheStorageFormats() {
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(1001, 0, 3e4);
        for (Precision p : new Precision[] {Precision.BF16, Precision.FP16}) {
            float[] y = new float[x.length];
            float[] inPlace = x.clone();
            TaskGraph g = new TaskGraph("round").transferToDevice(DataTransferMode.EVERY_EXECUTION, x, inPlace);
            p.addRound(g, "y", x, y, 64);
            p.addRound(g, "inPlace", inPlace, inPlace, 64);
            backend.plan(g.transferToHost(DataTransferMode.EVERY_EXECUTION, y, inPlace)).execute();
            for (int i = 0; i < x.length; i++) {
                float expected = p == Precision.BF16 ? BFloat16.toFloat(BFloat16.fromFloat(x[i]))
                        : Half.toFloat(Half.fromFloat(x[i]));
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y[i]), p + " at " + i
                        + ", seed " + rnd.seed());
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(inPlace[i]), p + " in place");
            }
            assertTrue(p.rounds());
        }
        TaskGraph none = Precision.FP32.addRound(new TaskGraph("none"), "y", x, x, 64);
        assertEquals(0, none.tasks().size());
        assertFalse(Precision.FP32.rounds() || Precision.FP32.lossScaled() || Precision.BF16.lossScaled());
        assertTrue(Precision.FP16.lossScaled());
    }
}
