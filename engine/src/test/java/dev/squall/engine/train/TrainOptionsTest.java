package dev.squall.engine.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learning-rate schedule as nanoGPT's {@code get_lr}, and the options' checks. */
class TrainOptionsTest {
    @Test
    void warmupThenConstantOrCosineToMinLr() {
        TrainOptions cosine = TrainOptions.defaults(100).withLr(1.0, 0.1).withWarmup(10);
        assertEquals(1.0 / 11, cosine.learningRate(0), 1e-15);
        assertEquals(10.0 / 11, cosine.learningRate(9), 1e-15);
        assertEquals(1.0, cosine.learningRate(10), 1e-15);
        assertEquals(0.55, cosine.learningRate(55), 1e-15);            // half way: the mean of lr and minLr
        assertEquals(0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.5)), cosine.learningRate(55), 1e-15);
        assertEquals(0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.2)), cosine.learningRate(28), 1e-15);
        assertEquals(0.1, cosine.learningRate(100), 1e-15);
        assertEquals(0.1, cosine.learningRate(1000), 1e-15);
        TrainOptions constant = cosine.withSchedule(TrainOptions.Schedule.CONSTANT);
        assertEquals(1.0 / 11, constant.learningRate(0), 1e-15);
        assertEquals(1.0, constant.learningRate(10), 1e-15);
        assertEquals(1.0, constant.learningRate(1000), 1e-15);
    }

    @Test
    void badOptionsAreNamed() {
        TrainOptions o = TrainOptions.defaults(10);
        String lr = assertThrows(IllegalArgumentException.class, () -> o.withLr(-1, 0)).getMessage();
        assertTrue(lr.startsWith("lr must be"), lr);
        String nan = assertThrows(IllegalArgumentException.class, () -> o.withLr(Double.NaN, 0)).getMessage();
        assertTrue(nan.startsWith("lr must be"), nan);
        String beta = assertThrows(IllegalArgumentException.class, () -> new TrainOptions(1e-3, 0, 0, 1.0, 0.95, 1e-8,
                1, 0, 10, TrainOptions.Schedule.COSINE, TrainOptions.Attention.FUSED, 1)).getMessage();
        assertTrue(beta.contains("beta1"), beta);
        String eps = assertThrows(IllegalArgumentException.class, () -> new TrainOptions(1e-3, 0, 0, 0.9, 0.95, 0,
                1, 0, 10, TrainOptions.Schedule.COSINE, TrainOptions.Attention.FUSED, 1)).getMessage();
        assertTrue(eps.startsWith("eps must be"), eps);
        String clip = assertThrows(IllegalArgumentException.class, () -> o.withRegularisation(0.1, -1)).getMessage();
        assertTrue(clip.startsWith("grad_clip must be"), clip);
        String steps = assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults(0)).getMessage();
        assertTrue(steps.contains("steps >= 1"), steps);
    }
}
