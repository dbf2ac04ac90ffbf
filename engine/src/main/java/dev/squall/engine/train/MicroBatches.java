package dev.squall.engine.train;

import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.optim.GradClip;

import java.util.List;

/**
 * The host's part of a step of {@code M} micro-batches, shared by single-stage training ({@link GptTrainer} with
 * micro-batches) and pipeline stages ({@link GptStage}) so that both produce the same bits: the micro-batches'
 * gradients are summed in micro-batch order by the backward graphs, then (once per step, here) the tied head's part
 * is added to {@code wte}'s, every gradient is divided by {@code M}, and the global norm is the Kahan sum of the
 * per-tensor chunk partials in the model's tensor order (the kernels of the norm graph, called on the host; they
 * have no fast path, so the bits are the graph's).
 */
final class MicroBatches {
    private MicroBatches() {
    }

    /** Copies micro-batch {@code m}'s rows of {@code batch} ({@code int32 [B, T+1]}) into inputs and targets. */
    static void load(int[] batch, int m, int rows, int length, int[] tokens, int[] targets) {
        for (int s = 0; s < rows; s++) {
            int from = (m * rows + s) * (length + 1);
            System.arraycopy(batch, from, tokens, s * length, length);
            System.arraycopy(batch, from + 1, targets, s * length, length);
        }
    }

    /** {@code into += part} (the tied head's part into {@code wte}'s gradient), as the tie graph does. */
    static void tie(float[] part, float[] into) {
        Elementwise.accumulate(part, into, into.length, 0, 1);
    }

    /** Divides the summed gradient by the number of micro-batches (nothing for one). */
    static void mean(float[] grad, int microBatches) {
        if (microBatches > 1) {
            for (int i = 0; i < grad.length; i++) {
                grad[i] /= microBatches;
            }
        }
    }

    /** The number of norm partials of these tensors. */
    static int slots(List<float[]> grads) {
        return grads.stream().mapToInt(g -> GradClip.chunks(g.length, StepGraphs.CHUNK)).sum();
    }

    /** Writes the tensors' squared-norm partials from {@code slot} on, in order; returns the next slot. */
    static int partials(List<float[]> grads, float[] partials, int slot) {
        for (float[] g : grads) {
            int chunks = GradClip.chunks(g.length, StepGraphs.CHUNK);
            GradClip.squaredNorms(g, partials, g.length, StepGraphs.CHUNK, slot, 0, chunks);
            slot += chunks;
        }
        return slot;
    }

    /** {@code norm = [total, coefficient]} from all partials, as the norm graph's last task. */
    static void coefficient(float[] partials, float[] norm, float maxNorm) {
        GradClip.clipCoefficient(partials, norm, partials.length, maxNorm, 0, 1);
    }

    /** The mean of the micro-batches' losses, summed in micro-batch order (as a pipeline reports it). */
    static float meanLoss(float[] losses) {
        return dev.squall.engine.pipeline.StepResult.meanLoss(losses);
    }
}
