package dev.squall.engine.layers;

import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.jvm.SharedJvmBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Both block variants against the float64 reference, against each other, and across thread counts.
 *
 * <p>Bound: the fp32 one, {@code |got − ref| <= 1e-5 · max(1, |ref|)}: block outputs are O(1) (they
 * come out of a LayerNorm or add one to the input), hence the floor of 1. The errors seen at these
 * widths stay below 2e-6.
 */
class EncoderBlockTest extends SharedJvmBackend {
    private static final double BOUND = 1e-5;

    static Stream<Arguments> shapes() {
        // d, heads, ff, batch, n, normFirst, gelu, causal
        return Stream.of(
                Arguments.of(12, 3, 20, 1, 1, false, false, false),
                Arguments.of(12, 3, 20, 2, 17, true, true, false),
                Arguments.of(12, 3, 20, 1, 70, false, true, true),
                Arguments.of(16, 1, 7, 3, 5, true, false, true),
                Arguments.of(35, 5, 41, 1, 67, true, true, true),
                Arguments.of(35, 7, 13, 2, 33, false, false, false));
    }

    @ParameterizedTest(name = "d={0} h={1} ff={2} batch={3} n={4} normFirst={5} gelu={6} causal={7}")
    @MethodSource("shapes")
    void bothVariantsMatchTheFloat64Reference(int d, int heads, int ff, int batch, int n, boolean normFirst,
                                              boolean gelu, boolean causal) {
        long seed = System.nanoTime();
        BlockWeights w = BlockWeights.random(d, ff, seed);
        BlockConfig c = BlockConfig.of(d, heads, ff).withNormFirst(normFirst).withCausal(causal)
                .withActivation(gelu ? BlockConfig.Activation.GELU : BlockConfig.Activation.RELU);
        float[] x = uniform(batch * n * d, seed + 1);
        double[] ref = ReferenceBlock.forward(w, c, x, batch, n);
        EncoderBlock block = new EncoderBlock(c, w);
        for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
            float[] y = block.forward(backend, v, x, batch, n);
            check(v + " seed=" + seed, ref, y);
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        BlockWeights w = BlockWeights.random(24, 40, 7);
        BlockConfig c = BlockConfig.of(24, 4, 40).withCausal(true);
        float[] x = uniform(2 * 45 * 24, 8);
        EncoderBlock block = new EncoderBlock(c, w);
        for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
            float[] one;
            try (JvmBackend single = new JvmBackend(1)) {
                one = block.forward(single, v, x, 2, 45);
            }
            for (int threads : new int[]{2, 3, 5}) {
                try (JvmBackend many = new JvmBackend(threads)) {
                    assertArrayEquals(one, block.forward(many, v, x, 2, 45), v + " threads=" + threads);
                }
            }
        }
    }

    @Test
    void packedSequencesOfMixedLengthsEqualEachSequenceAlone() {
        BlockWeights w = BlockWeights.random(24, 40, 3);
        BlockConfig c = BlockConfig.of(24, 4, 40).withCausal(true).withNormFirst(true);
        int[] lengths = {5, 1, 17, 0, 33};
        Sequences seqs = Sequences.ofLengths(lengths);
        float[] x = uniform(seqs.tokens() * 24, 9);
        EncoderBlock block = new EncoderBlock(c, w);
        for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
            float[] packed = block.forward(backend, v, x, seqs);
            for (int b = 0; b < lengths.length; b++) {
                if (lengths[b] == 0) {
                    continue;
                }
                int from = seqs.starts()[b] * 24;
                int to = seqs.starts()[b + 1] * 24;
                float[] alone = block.forward(backend, v, java.util.Arrays.copyOfRange(x, from, to), 1, lengths[b]);
                assertArrayEquals(alone, java.util.Arrays.copyOfRange(packed, from, to), v + " sequence " + b);
            }
        }
    }

    @Test
    void fusedGraphHasNoQuadraticBuffer() {
        EncoderBlock block = new EncoderBlock(BlockConfig.of(64, 4, 128), BlockWeights.random(64, 128, 1));
        int n = 512;
        GraphMemory fused = block.build(EncoderBlock.Variant.FUSED, 1, n).memory();
        GraphMemory unfused = block.build(EncoderBlock.Variant.UNFUSED, 1, n).memory();
        long scoreBytes = 4L * 4 * n * n;
        assertTrue(unfused.peakLiveBytes() >= 2 * scoreBytes, "unfused holds scores and probabilities");
        assertTrue(fused.peakLiveBytes() < scoreBytes / 4, "fused peak " + fused.peakLiveBytes());
    }

    @Test
    void rejectsBadShapes() {
        BlockWeights w = BlockWeights.random(12, 20, 1);
        assertThrows(IllegalArgumentException.class, () -> new EncoderBlock(BlockConfig.of(16, 4, 20), w));
        assertThrows(IllegalArgumentException.class, () -> BlockConfig.of(12, 5, 20));
        EncoderBlock block = new EncoderBlock(BlockConfig.of(12, 3, 20), w);
        var e = assertThrows(IllegalArgumentException.class,
                () -> block.forward(backend, EncoderBlock.Variant.FUSED, new float[12 * 5], 1, 4));
        assertTrue(e.getMessage().contains("x has 60 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> block.build(EncoderBlock.Variant.FUSED, 0, 4));
    }

    static void check(String what, double[] ref, float[] got) {
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(got[i] - ref[i]);
            assertFalse(Float.isNaN(got[i]), what + ": NaN at " + i);
            if (!(err <= BOUND * Math.max(1, Math.abs(ref[i])))) {
                fail(what + ": element " + i + " got " + got[i] + " expected " + ref[i] + " (error " + err + ")");
            }
        }
    }

    static float[] uniform(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1) * 1.7f;
        }
        return x;
    }
}
