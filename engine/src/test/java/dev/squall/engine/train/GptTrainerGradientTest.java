package dev.squall.engine.train;

import dev.squall.engine.jvm.SharedJvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole-model gradients of {@link GptTrainer#gradients} against central finite differences of an independent
 * float64 loss ({@link ReferenceLoss}), for every element of every parameter of a tiny awkward model (vocab 11,
 * T 7 of block 9, B 3, 2 layers, 2 heads of 3), fused and unfused attention, with and without biases, tied and
 * untied head, one target ignored (−1). Bound: per tensor, max error ≤ 1e-4·max|grad| + 1e-7 (measured: ≤ 5e-6·max).
 */
class GptTrainerGradientTest extends SharedJvmBackend {
    private static final int B = 3;
    private static final int T = 7;

    @ParameterizedTest
    @CsvSource({"FUSED, true, false", "UNFUSED, true, false", "FUSED, false, true", "UNFUSED, false, true"})
    void gradientsMatchFloat64FiniteDifferences(TrainOptions.Attention attention, boolean bias, boolean untied) {
        RandomArrays rnd = RandomArrays.fresh();
        GptConfig config = TrainTesting.tiny(bias);
        GptWeights w = TrainTesting.weights(config, rnd, 0.4, untied);
        int[] batch = TrainTesting.batch(rnd, B, T, config.vocabSize());
        batch[2 * (T + 1) - 1] = -1;    // sequence 1's last target is ignored
        ReferenceLoss ref = new ReferenceLoss(w);
        Gradients got;
        try (GptTrainer trainer = new GptTrainer(w, TrainOptions.defaults(10).withAttention(attention), backend, B, T)) {
            got = trainer.gradients(batch);
        }
        double refLoss = ref.loss(batch, B, T);
        assertEquals(refLoss, got.loss(), 2e-6 * Math.abs(refLoss), "loss, seed " + rnd.seed());
        assertEquals(w.tensors().keySet(), got.gradients().keySet());
        double worst = 0;
        for (Map.Entry<String, double[]> e : ref.params().entrySet()) {
            double[] want = ref.gradient(e.getKey(), batch, B, T, 1e-5);
            float[] have = (float[]) got.gradients().get(e.getKey()).data();
            double max = 0;
            double err = 0;
            for (int i = 0; i < want.length; i++) {
                max = Math.max(max, Math.abs(want[i]));
                err = Math.max(err, Math.abs(want[i] - have[i]));
            }
            // fp32 forward and backward against a float64 difference quotient (its own error ~1e-9)
            worst = Math.max(worst, err / max);
            assertTrue(err <= 1e-4 * max + 1e-7, e.getKey() + ": max error " + err + " against max |grad| " + max
                    + ", seed " + rnd.seed());
        }
        System.out.printf("gradients %s bias=%s untied=%s: worst max error / max |grad| over tensors %.2e%n", attention,
                bias, untied, worst);
    }
}
