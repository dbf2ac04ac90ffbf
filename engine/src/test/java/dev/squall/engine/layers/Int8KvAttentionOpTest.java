package dev.squall.engine.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.jvm.JvmBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The encoder block with its attention reading an int8 KV cache ({@link Int8KvAttentionOp}), fused and unfused,
 * on packed sequences of mixed lengths: its output stays close to the fp32 block (the cache rounds keys and
 * values to half a step of max/127 per token and head; the block output error is printed and bounded by 1e-2
 * relative, a sanity bound: the kernel's own bound is tested in the tasks module).
 */
class Int8KvAttentionOpTest {
    @Test
    void blockWithAnInt8CacheStaysCloseToFp32() {
        BlockConfig c = BlockConfig.of(48, 4, 64).withCausal(true).withNormFirst(true);
        BlockWeights w = BlockWeights.random(48, 64, 21);
        Sequences seqs = Sequences.ofLengths(7, 30, 1, 18);
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x = new float[seqs.tokens() * 48];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        EncoderBlock block = new EncoderBlock(c, w);
        try (JvmBackend backend = new JvmBackend(2)) {
            for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
                float[] fp32 = block.forward(backend, v, x, seqs);
                BlockGraph bg = block.build(v, seqs, new Int8KvAttentionOp());
                System.arraycopy(x, 0, bg.input(), 0, x.length);
                ExecutionPlan plan = backend.plan(bg.graph());
                plan.execute();
                double num = 0;
                double den = 0;
                for (int i = 0; i < fp32.length; i++) {
                    assertTrue(Float.isFinite(bg.output()[i]));
                    num += Math.pow(bg.output()[i] - fp32[i], 2);
                    den += Math.pow(fp32[i], 2);
                }
                double rel = Math.sqrt(num / den);
                System.out.printf("int8 KV cache: %s block relative error %.2e%n", v, rel);
                assertTrue(rel < 1e-2, v + " relative error " + rel);
            }
        }
    }
}
