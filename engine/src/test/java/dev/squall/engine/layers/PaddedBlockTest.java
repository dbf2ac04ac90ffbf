package dev.squall.engine.layers;

import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PaddedBlock}: the padded and the packed mode give the same output bit for bit (real tokens and
 * zeroed padding rows) for both variants, equal to the block run on the packed tokens directly and to the
 * float64 reference run on each sequence alone; no sequence's output depends on another sequence's tokens
 * or on the padding rows of the input (they hold NaN here).
 */
class PaddedBlockTest extends SharedJvmBackend {

    static Stream<Arguments> configs() {
        // d, heads, ff, normFirst, gelu, causal
        return Stream.of(
                Arguments.of(12, 3, 20, false, false, false),
                Arguments.of(12, 3, 20, true, true, true),
                Arguments.of(16, 1, 7, true, false, false),
                Arguments.of(35, 5, 41, false, true, true));
    }

    @ParameterizedTest(name = "d={0} h={1} ff={2} normFirst={3} gelu={4} causal={5}")
    @MethodSource("configs")
    void paddedAndPackedModesAgreeBitForBitAndMatchTheReference(int d, int heads, int ff, boolean normFirst,
                                                                 boolean gelu, boolean causal) {
        RandomArrays rnd = RandomArrays.fresh();
        BlockConfig c = BlockConfig.of(d, heads, ff).withNormFirst(normFirst).withCausal(causal)
                .withActivation(gelu ? BlockConfig.Activation.GELU : BlockConfig.Activation.RELU);
        BlockWeights w = BlockWeights.random(d, ff, rnd.seed());
        EncoderBlock block = new EncoderBlock(c, w);
        PaddedBlock padded = new PaddedBlock(block);
        for (PaddedBatch batch : batches(rnd)) {
            String what = "lengths=" + Arrays.toString(batch.seqs().lengths()) + " maxLen=" + batch.maxLen()
                    + " seed=" + rnd.seed();
            float[] x = input(rnd, batch, d);
            float[] packedX = packedTokens(x, batch, d);
            for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
                float[] viaPadded = padded.forward(backend, PaddedBlock.Mode.PADDED, v, x, batch);
                float[] viaPacked = padded.forward(backend, PaddedBlock.Mode.PACKED, v, x, batch);
                assertArrayEquals(viaPadded, viaPacked, v + " padded vs packed, " + what);
                assertPaddingIsZero(viaPacked, batch, d, v + " " + what);
                float[] direct = block.forward(backend, v, packedX, batch.seqs());
                assertArrayEquals(direct, packedTokens(viaPacked, batch, d), v + " vs the packed block, " + what);
                for (int b = 0; b < batch.batch(); b++) {
                    int len = batch.seqs().length(b);
                    if (len > 0) {
                        int from = batch.seqs().starts()[b] * d;
                        float[] alone = Arrays.copyOfRange(packedX, from, from + len * d);
                        EncoderBlockTest.check(v + " sequence " + b + " vs float64, " + what,
                                ReferenceBlock.forward(w, c, alone, 1, len), Arrays.copyOfRange(direct, from, from + len * d));
                    }
                }
            }
        }
    }

    @Test
    void noSequenceSeesAnotherSequencesTokens() {
        RandomArrays rnd = RandomArrays.fresh();
        int d = 12;
        EncoderBlock block = new EncoderBlock(BlockConfig.of(d, 3, 20).withCausal(rnd.chance(0.5)),
                BlockWeights.random(d, 20, rnd.seed()));
        PaddedBlock padded = new PaddedBlock(block);
        PaddedBatch batch = PaddedBatch.ofLengths(40, 17, 1, 40, 23);
        float[] x = input(rnd, batch, d);
        for (PaddedBlock.Mode mode : PaddedBlock.Mode.values()) {
            for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
                float[] before = padded.forward(backend, mode, v, x, batch);
                for (int changed = 0; changed < batch.batch(); changed++) {
                    float[] x2 = x.clone();
                    int from = changed * batch.maxLen() * d;
                    float[] fresh = rnd.gaussian(batch.seqs().length(changed) * d);
                    System.arraycopy(fresh, 0, x2, from, fresh.length);
                    float[] after = padded.forward(backend, mode, v, x2, batch);
                    for (int b = 0; b < batch.batch(); b++) {
                        float[] rowsBefore = sequenceRows(before, batch, b, d);
                        float[] rowsAfter = sequenceRows(after, batch, b, d);
                        String what = mode + " " + v + ": sequence " + b + " after changing sequence " + changed
                                + " seed=" + rnd.seed();
                        if (b == changed) {
                            assertFalse(Arrays.equals(rowsBefore, rowsAfter), what + " did not change");
                        } else {
                            assertArrayEquals(rowsBefore, rowsAfter, what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void packedModeNeedsLessMemoryForSkewedLengths() {
        EncoderBlock block = new EncoderBlock(BlockConfig.of(64, 4, 128), BlockWeights.random(64, 128, 1));
        PaddedBatch batch = PaddedBatch.ofLengths(256, 256, 9, 30, 2, 64, 17, 5, 40);
        PaddedBlock padded = new PaddedBlock(block);
        for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
            GraphMemory withPadding = padded.build(PaddedBlock.Mode.PADDED, v, batch).memory();
            GraphMemory packed = padded.build(PaddedBlock.Mode.PACKED, v, batch).memory();
            assertTrue(packed.peakLiveBytes() < withPadding.peakLiveBytes() / 2,
                    v + ": packed peak " + packed.peakLiveBytes() + " vs padded " + withPadding.peakLiveBytes());
        }
    }

    @Test
    void rejectsAnInputOfTheWrongSize() {
        EncoderBlock block = new EncoderBlock(BlockConfig.of(12, 3, 20), BlockWeights.random(12, 20, 1));
        PaddedBatch batch = PaddedBatch.ofLengths(5, 3, 5);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new PaddedBlock(block).forward(backend, PaddedBlock.Mode.PACKED, EncoderBlock.Variant.FUSED,
                        new float[8 * 12], batch));
        assertTrue(e.getMessage().contains("batch*maxLen*d_model = 2*5*12"), e.getMessage());
    }

    /**
     * Length mixes: one token, all equal to the padded length, an empty sequence, lengths around the fused
     * attention's query and key blocks (16, 64), padded beyond the longest, and random mixes.
     */
    private static List<PaddedBatch> batches(RandomArrays rnd) {
        List<PaddedBatch> batches = new ArrayList<>(List.of(
                PaddedBatch.ofLengths(1, 1),
                PaddedBatch.ofLengths(1, 1, 1, 1),
                PaddedBatch.ofLengths(9, 9, 9, 9),
                PaddedBatch.ofLengths(70, 17, 0, 65, 1, 16),
                PaddedBatch.ofLengths(30, 3, 12)));
        for (int n = 0; n < 2; n++) {
            int[] lengths = new int[rnd.nextInt(1, 6)];
            for (int b = 0; b < lengths.length; b++) {
                lengths[b] = rnd.nextInt(b == 0 ? 1 : 0, 70);
            }
            int longest = Arrays.stream(lengths).max().orElseThrow();
            batches.add(PaddedBatch.ofLengths(longest + rnd.nextInt(0, 5), lengths));
        }
        return batches;
    }

    /** Random real tokens, NaN padding rows (which neither mode may read). */
    private static float[] input(RandomArrays rnd, PaddedBatch batch, int d) {
        float[] x = rnd.uniform(batch.rows() * d, -1.7, 1.7);
        for (int b = 0; b < batch.batch(); b++) {
            Arrays.fill(x, (b * batch.maxLen() + batch.seqs().length(b)) * d, (b + 1) * batch.maxLen() * d, Float.NaN);
        }
        return x;
    }

    /** The real rows of a padded array, packed. */
    private static float[] packedTokens(float[] padded, PaddedBatch batch, int d) {
        float[] packed = new float[batch.tokens() * d];
        for (int b = 0; b < batch.batch(); b++) {
            System.arraycopy(padded, b * batch.maxLen() * d, packed, batch.seqs().starts()[b] * d,
                    batch.seqs().length(b) * d);
        }
        return packed;
    }

    private static float[] sequenceRows(float[] padded, PaddedBatch batch, int b, int d) {
        return Arrays.copyOfRange(padded, b * batch.maxLen() * d, (b * batch.maxLen() + batch.seqs().length(b)) * d);
    }

    private static void assertPaddingIsZero(float[] y, PaddedBatch batch, int d, String what) {
        for (int b = 0; b < batch.batch(); b++) {
            for (int i = (b * batch.maxLen() + batch.seqs().length(b)) * d; i < (b + 1) * batch.maxLen() * d; i++) {
                assertEquals(0f, y[i], what + ": padding value at " + i);
            }
        }
    }
}
