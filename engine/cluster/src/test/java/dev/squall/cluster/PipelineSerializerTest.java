package dev.squall.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.squall.cluster.StageProtocol.Abort;
import dev.squall.cluster.StageProtocol.ApplyStep;
import dev.squall.cluster.StageProtocol.RunStep;
import dev.squall.cluster.StageProtocol.StageDone;
import dev.squall.cluster.StageProtocol.StageFailed;
import dev.squall.cluster.StageProtocol.StepApplied;
import dev.squall.cluster.StageProtocol.TensorChunk;
import dev.squall.cluster.StageProtocol.TensorKind;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PipelineSerializerTest {
    private final PipelineSerializer serializer = new PipelineSerializer(null);

    private Object roundTrip(Object message) throws Exception {
        return serializer.fromBinary(serializer.toBinary(message), serializer.manifest(message));
    }

    @Test
    void tensorChunksKeepEveryBitIncludingNaNsAndSignedZeros() throws Exception {
        float[] data = {1.5f, -0f, Float.NaN, Float.intBitsToFloat(0x7fc00123), Float.MIN_VALUE,
                Float.NEGATIVE_INFINITY};
        TensorChunk c = new TensorChunk(TensorKind.GRADIENT, 2, 1L << 40, 7, 100, 1000, data);
        TensorChunk back = (TensorChunk) roundTrip(c);
        assertEquals(c.kind(), back.kind());
        assertEquals(List.of(c.stage(), c.step(), c.microBatch(), c.offset(), c.totalLength()),
                List.of(back.stage(), back.step(), back.microBatch(), back.offset(), back.totalLength()));
        for (int i = 0; i < data.length; i++) {
            assertEquals(Float.floatToRawIntBits(data[i]), Float.floatToRawIntBits(back.data()[i]));
        }
        assertEquals(29 + 4 * data.length, serializer.toBinary(c).length, "a 29-byte header, then the floats");
    }

    @Test
    void controlMessagesRoundTrip() throws Exception {
        assertEquals(new RunStep(3, 8, "1f1b"), roundTrip(new RunStep(3, 8, "1f1b")));
        assertEquals(new Abort("stage 2 é"), roundTrip(new Abort("stage 2 é")));
        assertEquals(new ApplyStep(5, 0b101), roundTrip(new ApplyStep(5, 0b101)));
        assertEquals(new StepApplied(2, 5, 123), roundTrip(new StepApplied(2, 5, 123)));
        assertEquals(new StageFailed(1, 4, "boom"), roundTrip(new StageFailed(1, 4, "boom")));
        StageDone d = new StageDone(1, 2, 3, 4, 6, 7, 8, 9, new float[] {0.25f, 0.5f});
        StageDone back = (StageDone) roundTrip(d);
        assertEquals(d.peakSavedBytes(), back.peakSavedBytes());
        assertEquals(d.gradientBytesSent(), back.gradientBytesSent());
        assertArrayEquals(d.losses(), back.losses());
        assertThrows(IllegalArgumentException.class, () -> serializer.manifest("not ours"));
        assertThrows(java.io.NotSerializableException.class, () -> serializer.fromBinary(new byte[0], "?"));
    }

    @Test
    void chunksSplitAndReassembleAnySize() {
        SplittableRandom random = new SplittableRandom(5);
        TensorChunks assembler = new TensorChunks();
        for (int n : new int[] {0, 1, 7, 8, 9, 1000}) {
            float[] tensor = new float[n];
            for (int i = 0; i < n; i++) {
                tensor[i] = (float) random.nextGaussian();
            }
            List<TensorChunk> chunks = TensorChunks.split(TensorKind.ACTIVATION, 0, 1, 2, tensor, 8);
            assertEquals(Math.max(1, (n + 7) / 8), chunks.size());
            float[] whole = null;
            for (int i = 0; i < chunks.size(); i++) {
                whole = assembler.add(chunks.get(i));
                if (i < chunks.size() - 1) {
                    assertNull(whole);
                }
            }
            assertArrayEquals(tensor, whole);
        }
    }
}
