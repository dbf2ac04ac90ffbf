package dev.squall.engine.pipeline;

/**
 * What one stage measured in one step.
 *
 * @param stage the stage index
 * @param busyNanos time spent in the stage's forward and backward passes
 * @param windowNanos time from the start of the step's schedule on this stage to its last operation's end
 * @param optimizerNanos time spent in {@link PipelineStage#shared} and {@link PipelineStage#step()}
 * @param peakSavedMicroBatches the most micro-batches held for backward at once
 * @param peakSavedBytes the most bytes held for backward at once, as the stage reports them
 * @param activationBytesSent bytes of activations sent to the next stage
 * @param gradientBytesSent bytes of gradients sent to the previous stage
 * @param losses the loss of each micro-batch (last stage only; empty elsewhere)
 * @param share what the stage shared with the others before the optimizer ({@code null}: nothing)
 */
public record StageReport(int stage, long busyNanos, long windowNanos, long optimizerNanos,
        int peakSavedMicroBatches, long peakSavedBytes, long activationBytesSent, long gradientBytesSent,
        float[] losses, float[] share) {

    /** This report with the optimizer's time filled in. */
    public StageReport withOptimizerNanos(long nanos) {
        return new StageReport(stage, busyNanos, windowNanos, nanos, peakSavedMicroBatches, peakSavedBytes,
                activationBytesSent, gradientBytesSent, losses, share);
    }

    /** Every report's share, indexed by stage. */
    public static float[][] shares(java.util.List<StageReport> reports) {
        float[][] shares = new float[reports.size()][];
        for (StageReport r : reports) {
            shares[r.stage()] = r.share();
        }
        return shares;
    }
}
