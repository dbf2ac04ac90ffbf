package dev.squall.engine.pipeline;

import java.util.List;

/**
 * One pipeline step: its loss and what every stage measured.
 *
 * @param step the step index
 * @param loss the mean of the micro-batches' losses, summed in micro-batch order
 * @param wallNanos the step's wall time, optimizer included
 * @param stages one report per stage, in stage order
 */
public record StepResult(long step, float loss, long wallNanos, List<StageReport> stages) {

    /** The step's loss from the last stage's per-micro-batch losses, summed in micro-batch order. */
    public static float meanLoss(float[] losses) {
        float sum = 0f;
        for (float l : losses) {
            sum += l;
        }
        return sum / losses.length;
    }

    /** The longest stage window: the time the schedule took, forward to last backward. */
    public long scheduleNanos() {
        long max = 0;
        for (StageReport r : stages) {
            max = Math.max(max, r.windowNanos());
        }
        return max;
    }

    /** Stage {@code s}'s idle fraction of the schedule's time: 1 − busy / {@link #scheduleNanos()}. */
    public double bubble(int s) {
        long window = scheduleNanos();
        return window == 0 ? 0 : 1.0 - stages.get(s).busyNanos() / (double) window;
    }

    /** Bytes that crossed the boundary between stage {@code b} and {@code b + 1}, both directions. */
    public long boundaryBytes(int b) {
        return stages.get(b).activationBytesSent() + stages.get(b + 1).gradientBytesSent();
    }
}
