package dev.squall.tornado;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.PaddedBatch;
import dev.squall.engine.layers.PaddedBlock;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * {@link PaddedBlock} on TornadoVM, in both modes and both variants, against the padded run on the JVM
 * backend (which the default build proves bit-identical to every other mode there), with the block tests'
 * bound {@code 1e-5 · max(1, |ref|)}: not causal, so hiding the padding keys matters; sequences of 7, 0, 20
 * and 3 tokens padded to 22, padding rows of the input NaN.
 */
class PaddedBlockOnTornadoTest {

    static Stream<Arguments> setups() {
        return Stream.of(PaddedBlock.Mode.values()).flatMap(m -> Stream.of(EncoderBlock.Variant.values())
                .map(v -> Arguments.of(m, v)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setups")
    void matchesThePaddedRunOnTheJvmBackend(PaddedBlock.Mode mode, EncoderBlock.Variant variant) {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        int d = 24;
        BlockConfig config = BlockConfig.of(d, 3, 40).withActivation(BlockConfig.Activation.GELU);
        PaddedBlock block = new PaddedBlock(EncoderBlock.of(config, BlockWeights.random(d, 40, seed),
                tornado.gemmTiles()));
        PaddedBatch batch = PaddedBatch.ofLengths(22, 7, 0, 20, 3);
        float[] x = RandomArrays.withSeed(seed).gaussian(batch.rows() * d);
        for (int b = 0; b < batch.batch(); b++) {
            Arrays.fill(x, (b * batch.maxLen() + batch.seqs().length(b)) * d, (b + 1) * batch.maxLen() * d, Float.NaN);
        }
        float[] expected;
        try (JvmBackend jvm = new JvmBackend(2)) {
            expected = block.forward(jvm, PaddedBlock.Mode.PADDED, variant, x, batch);
        }
        float[] got = block.forward(tornado, mode, variant, x, batch);
        CrossCheck.assertBlockClose(Subject.of("PaddedBlock " + mode + " " + variant, "d=24 heads=3 ff=40 GELU, "
                + "sequences 7 0 20 3 padded to 22", seed), got, expected, d);
    }
}
