package dev.squall.tornado;

import dev.squall.engine.compress.CompressedBlock;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.AttentionPattern;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * The encoder block with a sparse attention pattern and compressed linear weights, fused and unfused, on
 * TornadoVM against the JVM backend, with the block tests' bound {@code 1e-5 · max(1, |ref|)}: d=24, 3 heads,
 * ff=40, GELU, sequences of 7 and 20 tokens (packed). The fused forms run the pattern kernels, the unfused
 * ones the dense scores with the pattern as a mask; the four linear layers run the format's GEMM kernels:
 * <ul>
 *   <li>{@code local:4} (sliding window) with {@code q8_0} weights, post-LN, not causal;</li>
 *   <li>{@code longformer:3:2:0,9} (dilated window, global positions 0 and 9) with per-row {@code int8}
 *       weights, pre-LN, causal;</li>
 *   <li>{@code bigbird:4:1:1:1:7} (block-sparse) with {@code 2:4} structured-sparse weights, pre-LN, not
 *       causal.</li>
 * </ul>
 * Formats that quantise activations at run time ({@code w8a8}) are left out: an fp32 rounding difference in
 * the input of a layer can move an activation to the next int8 code, far beyond this bound.
 */
class PatternCompressedBlockOnTornadoTest {

    static Stream<Arguments> setups() {
        return Stream.of(EncoderBlock.Variant.values()).flatMap(v -> Stream.of(
                Arguments.of("local:4", "q8_0", false, false, v),
                Arguments.of("longformer:3:2:0,9", "int8", true, true, v),
                Arguments.of("bigbird:4:1:1:1:7", "2:4", true, false, v)));
    }

    @ParameterizedTest(name = "{0} {1} {4}")
    @MethodSource("setups")
    void matchesTheJvmBackend(String pattern, String format, boolean normFirst, boolean causal,
                              EncoderBlock.Variant variant) {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        int d = 24;
        BlockConfig config = BlockConfig.of(d, 3, 40).withNormFirst(normFirst).withCausal(causal)
                .withActivation(BlockConfig.Activation.GELU);
        EncoderBlock block = CompressedBlock.of(BlockWeights.random(d, 40, seed), WeightFormats.parse(format))
                .block(config);
        Sequences seqs = Sequences.ofLengths(7, 20);
        float[] x = RandomArrays.withSeed(seed).gaussian(seqs.tokens() * d);
        float[] expected;
        try (JvmBackend jvm = new JvmBackend(2)) {
            expected = forward(jvm, block, variant, pattern, x, seqs);
        }
        float[] got = forward(tornado, block, variant, pattern, x, seqs);
        CrossCheck.assertBlockClose(Subject.of("EncoderBlock " + variant + " " + pattern + " " + format,
                "d=24 heads=3 ff=40 GELU" + (normFirst ? " pre-LN" : " post-LN") + (causal ? " causal" : "")
                        + ", sequences 7 and 20", seed), got, expected, d);
    }

    private static float[] forward(Backend backend, EncoderBlock block, EncoderBlock.Variant variant, String pattern,
                                   float[] x, Sequences seqs) {
        BlockGraph bg = block.build(variant, seqs, AttentionPattern.parse(pattern).op(variant));
        System.arraycopy(x, 0, bg.input(), 0, x.length);
        ExecutionPlan plan = backend.plan(bg.graph());
        plan.execute();
        return bg.output();
    }
}
