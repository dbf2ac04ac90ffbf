package dev.squall.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalPipelineTest {
    private static final int LAYERS = 6;
    private static final int STEPS = 3;
    private static final int MICRO_BATCHES = 4;

    /** The toy model trained without any pipeline: one stage, passes called in micro-batch order. */
    private static Trained sequential(ToyMlp model) {
        ToyStage whole = model.stage(0, model.layers());
        float[] losses = new float[STEPS];
        float[] gradients = null;
        for (int step = 0; step < STEPS; step++) {
            whole.beginStep(step, MICRO_BATCHES);
            float[] perMicroBatch = new float[MICRO_BATCHES];
            for (int m = 0; m < MICRO_BATCHES; m++) {
                perMicroBatch[m] = whole.forward(m, null)[0];
            }
            for (int m = 0; m < MICRO_BATCHES; m++) {
                whole.backward(m, null);
            }
            whole.shared(new float[][] {whole.share()});
            gradients = whole.gradients();
            whole.step();
            losses[step] = StepResult.meanLoss(perMicroBatch);
        }
        return new Trained(losses, whole.parameters(), gradients);
    }

    private static Trained pipelined(ToyMlp model, Schedule schedule, int... sizes) {
        List<ToyStage> stages = model.stages(sizes);
        float[] losses = new float[STEPS];
        try (LocalPipeline pipeline = new LocalPipeline(stages, schedule)) {
            for (int step = 0; step < STEPS; step++) {
                losses[step] = pipeline.step(MICRO_BATCHES).loss();
            }
            float[][] gradients = stages.stream().map(ToyStage::gradients).toArray(float[][]::new);
            return new Trained(losses, pipeline.parameters(), LocalPipeline.concat(gradients));
        }
    }

    private record Trained(float[] losses, float[] parameters, float[] gradients) {}

    @Test
    void weightsGradientsAndLossesAreBitIdenticalForEveryStageCountAndSchedule() {
        bitIdentical(ToyMlp.of(LAYERS, 7));
    }

    /** Clipping to a global norm needs every stage's gradient norms: shared between stages before the update. */
    @Test
    void withGlobalNormClippingAcrossStagesToo() {
        Trained clipped = bitIdentical(ToyMlp.of(LAYERS, 7).withClip(0.01f));
        assertFalse(java.util.Arrays.equals(clipped.parameters(), sequential(ToyMlp.of(LAYERS, 7)).parameters()),
                "clipping changed the update");
    }

    private static Trained bitIdentical(ToyMlp model) {
        Trained reference = sequential(model);
        assertTrue(reference.losses()[2] < reference.losses()[0], "the toy model learns (steps 0 and 2 see one batch)");
        int[][] splits = {{6}, {3, 3}, {1, 5}, {2, 2, 2}, {1, 4, 1}};
        for (Schedule schedule : Schedule.values()) {
            for (int[] sizes : splits) {
                Trained t = pipelined(model, schedule, sizes);
                String what = schedule + " " + java.util.Arrays.toString(sizes);
                assertArrayEquals(reference.losses(), t.losses(), what);
                assertArrayEquals(reference.gradients(), t.gradients(), what);
                assertArrayEquals(reference.parameters(), t.parameters(), what);
            }
        }
        return reference;
    }

    @Test
    void savedMicroBatchesAreAtMostPUnder1f1bAndMUnderGpipe() {
        ToyMlp model = ToyMlp.of(LAYERS, 3);
        for (int m : new int[] {1, 2, 4, 8}) {
            for (Schedule schedule : Schedule.values()) {
                try (LocalPipeline pipeline = new LocalPipeline(model.stages(2, 2, 2), schedule)) {
                    StepResult r = pipeline.step(m);
                    for (StageReport s : r.stages()) {
                        int expected = schedule == Schedule.GPIPE ? m : Math.min(3 - s.stage(), m);
                        assertEquals(expected, s.peakSavedMicroBatches(), schedule + " M=" + m + " " + s);
                        // two layers per stage: input and pre-activation per layer, the output once; 4×8 floats each.
                        assertEquals(expected * 5L * 4 * 8 * 4, s.peakSavedBytes(), schedule + " M=" + m);
                    }
                }
            }
        }
    }

    @Test
    void boundaryBytesAreTheActivationsAndTheirGradients() {
        ToyMlp model = ToyMlp.of(4, 5);
        try (LocalPipeline pipeline = new LocalPipeline(model.stages(1, 2, 1), Schedule.ONE_F_ONE_B)) {
            StepResult r = pipeline.step(3);
            long perTensor = 4L * model.rows() * model.width();
            for (int b = 0; b < 2; b++) {
                assertEquals(2 * 3 * perTensor, r.boundaryBytes(b));
            }
            assertEquals(0, r.stages().get(2).activationBytesSent());
            assertEquals(0, r.stages().get(0).gradientBytesSent());
            for (int s = 0; s < 3; s++) {
                double bubble = r.bubble(s);
                assertTrue(bubble >= 0 && bubble < 1, "bubble " + bubble);
            }
        }
    }

    @Test
    void aFailingStageStopsTheStepWithItsIndexAndNoStageWaitsForEver() {
        ToyMlp model = ToyMlp.of(3, 1);
        List<PipelineStage> stages = new ArrayList<>(model.stages(1, 1, 1));
        PipelineStage middle = stages.get(1);
        stages.set(1, new FailingStage(middle));
        for (Schedule schedule : Schedule.values()) {
            try (LocalPipeline pipeline = new LocalPipeline(stages, schedule)) {
                PipelineException e = assertThrows(PipelineException.class, () -> pipeline.step(4));
                assertEquals(1, e.stage());
                assertTrue(e.getMessage().contains("pipeline stage 1") && e.getMessage().contains("broken backward"),
                        e.getMessage());
            }
        }
    }

    /** Stage 1 whose second backward throws. */
    private record FailingStage(PipelineStage inner) implements PipelineStage {
        @Override
        public void beginStep(long step, int microBatches) {
            inner.beginStep(step, microBatches);
        }

        @Override
        public float[] forward(int microBatch, float[] input) {
            return inner.forward(microBatch, input);
        }

        @Override
        public float[] backward(int microBatch, float[] outputGradient) {
            if (microBatch == 1) {
                throw new IllegalStateException("broken backward");
            }
            return inner.backward(microBatch, outputGradient);
        }

        @Override
        public void step() {
            inner.step();
        }

        @Override
        public long savedBytes() {
            return inner.savedBytes();
        }

        @Override
        public float[] parameters() {
            return inner.parameters();
        }
    }
}
