package dev.squall.engine.pipeline;

import java.util.List;

/** Runs one stage's schedule for one step over a {@link StageLink}, measuring as it goes. */
public final class StageRunner {
    private final int stage;
    private final int stages;
    private final PipelineStage body;

    /** The runner of {@code body}, stage {@code stage} of {@code stages}. */
    public StageRunner(int stage, int stages, PipelineStage body) {
        this.stage = stage;
        this.stages = stages;
        this.body = body;
    }

    /** The stage index. */
    public int stage() {
        return stage;
    }

    /** The stage itself. */
    public PipelineStage body() {
        return body;
    }

    /**
     * Runs the first part of step {@code step}: {@link PipelineStage#beginStep} and the schedule's operations for
     * {@code microBatches} micro-batches; the report's {@code share} is the stage's {@link PipelineStage#share()}.
     * {@link #finishStep} follows once every stage has got here.
     */
    public StageReport runSchedule(long step, Schedule schedule, int microBatches, StageLink link)
            throws InterruptedException {
        List<StageOp> ops = schedule.ops(stage, stages, microBatches);
        boolean first = stage == 0;
        boolean last = stage == stages - 1;
        float[] losses = new float[last ? microBatches : 0];
        long busy = 0;
        long activationBytes = 0;
        long gradientBytes = 0;
        int inFlight = 0;
        int peakInFlight = 0;
        long peakBytes = 0;
        body.beginStep(step, microBatches);
        long start = System.nanoTime();
        for (StageOp op : ops) {
            int m = op.microBatch();
            if (op.kind() == StageOp.Kind.FORWARD) {
                float[] input = first ? null : link.receiveActivation(m);
                long t0 = System.nanoTime();
                float[] out = body.forward(m, input);
                busy += System.nanoTime() - t0;
                inFlight++;
                peakInFlight = Math.max(peakInFlight, inFlight);
                peakBytes = Math.max(peakBytes, body.savedBytes());
                if (last) {
                    losses[m] = out[0];
                } else {
                    activationBytes += 4L * out.length;
                    link.sendActivation(m, out);
                }
            } else {
                float[] gradient = last ? null : link.receiveGradient(m);
                long t0 = System.nanoTime();
                float[] inputGradient = body.backward(m, gradient);
                busy += System.nanoTime() - t0;
                inFlight--;
                if (!first) {
                    gradientBytes += 4L * inputGradient.length;
                    link.sendGradient(m, inputGradient);
                }
            }
        }
        long window = System.nanoTime() - start;
        return new StageReport(stage, busy, window, 0, peakInFlight, peakBytes, activationBytes, gradientBytes,
                losses, body.share());
    }

    /**
     * Ends the step: {@link PipelineStage#shared} with every stage's share, then {@link PipelineStage#step()}.
     *
     * @return the nanoseconds both took
     */
    public long finishStep(float[][] shares) {
        long t0 = System.nanoTime();
        body.shared(shares);
        body.step();
        return System.nanoTime() - t0;
    }
}
