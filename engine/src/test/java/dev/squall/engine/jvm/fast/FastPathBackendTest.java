package dev.squall.engine.jvm.fast;

import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.engine.layers.Linear;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standard fast paths on the JVM backend: every kernel of both block graphs runs its fast path (the
 * profile's implementation column says {@code vector}), and the outputs are bit-identical for 1, 2 and 3
 * threads, on widths where every vector loop and its tail run (head dimension 40 = 5 vectors of 8, or 2.5
 * of 16; feed-forward 88; 71 tokens), and with a few tokens, as in decoding.
 */
class FastPathBackendTest {
    /**
     * {batch, tokens}: 1065 rows, whose linear layers run {@code Gemm.tiledMatmul}, and 3 rows, below
     * {@link Linear#PANEL_ROWS}, whose layers run {@code Gemm.panelMatmul}.
     */
    @ParameterizedTest
    @CsvSource({"15, 71, Gemm.tiledMatmul", "1, 3, Gemm.panelMatmul"})
    void everyBlockKernelRunsItsFastPathAndResultsDoNotDependOnThreads(int batch, int tokens, String gemm) {
        BlockConfig config = BlockConfig.of(80, 2, 88).withActivation(BlockConfig.Activation.GELU).withCausal(true);
        EncoderBlock block = new EncoderBlock(config, BlockWeights.random(80, 88, 5));
        RandomArrays rnd = RandomArrays.fresh();
        float[] x = rnd.gaussian(batch * tokens * 80);
        for (EncoderBlock.Variant variant : EncoderBlock.Variant.values()) {
            float[] one = null;
            for (int threads = 1; threads <= 3; threads++) {
                BlockGraph bg = block.build(variant, batch, tokens);
                System.arraycopy(x, 0, bg.input(), 0, x.length);
                try (JvmBackend backend = new JvmBackend(threads, FastPaths.standard())) {
                    ExecutionPlan plan = backend.plan(bg.graph());
                    Profile profile = null;
                    for (int run = 0; run < 3; run++) { // later runs may use code the JIT compiled meanwhile
                        profile = plan.execute();
                        if (one == null) {
                            one = bg.output().clone();
                        }
                        assertArrayEquals(one, bg.output(), variant + " threads=" + threads + " run " + run
                                + " seed=" + rnd.seed());
                    }
                    Map<String, String> impl = new TreeMap<>();
                    profile.graphs().get(0).tasks().forEach(t -> impl.put(t.task() + " " + t.kernel(), t.implementation()));
                    impl.forEach((task, label) -> {
                        if (!task.contains("Elementwise")) {
                            assertEquals("vector", label, variant + " " + task + " in " + impl);
                        }
                    });
                    assertTrue(impl.size() > 4, impl.toString());
                    assertTrue(impl.keySet().stream().anyMatch(t -> t.endsWith(gemm)), gemm + " in " + impl);
                }
            }
        }
    }
}
