package dev.squall.tornado;

import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both block variants on TornadoVM against the JVM backend, with the block tests' bound
 * {@code 1e-5 · max(1, |ref|)}: pre-LN, GELU, causal, two sequences of different lengths (one longer than
 * a fused-attention query block), the GEMM tiles the backend prefers for its device.
 */
class EncoderBlockOnTornadoTest {

    @ParameterizedTest
    @EnumSource(EncoderBlock.Variant.class)
    void matchesTheJvmBackend(EncoderBlock.Variant variant) {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        int d = 24;
        BlockConfig config = BlockConfig.of(d, 3, 40).withNormFirst(true).withCausal(true)
                .withActivation(BlockConfig.Activation.GELU);
        EncoderBlock block = EncoderBlock.of(config, BlockWeights.random(d, 40, seed), tornado.gemmTiles());
        Sequences seqs = Sequences.ofLengths(7, 20);
        float[] x = RandomArrays.withSeed(seed).gaussian(seqs.tokens() * d);
        float[] expected;
        try (JvmBackend jvm = new JvmBackend(2)) {
            expected = block.forward(jvm, variant, x, seqs);
        }
        float[] got = block.forward(tornado, variant, x, seqs);
        CrossCheck.assertBlockClose(Subject.of("EncoderBlock " + variant, "d=24 heads=3 ff=40 pre-LN GELU causal, "
                + "sequences 7 and 20", seed), got, expected, d);
    }
}
