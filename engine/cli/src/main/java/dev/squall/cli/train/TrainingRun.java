package dev.squall.cli.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The loop of {@code squall lm train}: steps {@code start .. steps - 1}, each on its batch, a validation loss
 * every {@code evalEvery} steps and after the last, a checkpoint every {@code checkpointEvery} steps and at the
 * end. A non-finite loss, gradient norm or validation loss stops the run before anything of that state is
 * saved: the last checkpoint stays as it was (only {@code loss.csv} and its chart get the finite rows since).
 */
public final class TrainingRun {
    private final TrainingSession session;
    private final BatchSource data;
    private final TrainOptions options;
    private final Path out;
    private final LossLog log;
    private final int evalEvery;
    private final int checkpointEvery;

    /**
     * A run writing into {@code out}, continuing {@code log} (empty for a new run, a checkpoint's rows for a
     * resumed one: the run starts at step {@code log.rows().size()}).
     */
    public TrainingRun(TrainingSession session, BatchSource data, TrainOptions options, Path out, LossLog log,
                       int evalEvery, int checkpointEvery) {
        this.session = session;
        this.data = data;
        this.options = options;
        this.out = out;
        this.log = log;
        this.evalEvery = evalEvery;
        this.checkpointEvery = checkpointEvery;
    }

    /**
     * Trains to step {@code options.steps()}, reporting to {@code progress}; {@code lastCheckpoint} is the step
     * of the checkpoint already in {@code out} (0 for none).
     *
     * @throws IllegalArgumentException when a step's loss is not finite, naming the step and the checkpoint kept
     * @throws IOException              when a checkpoint cannot be written
     */
    public void run(TrainProgress progress, int lastCheckpoint) throws IOException {
        int steps = options.steps();
        int tokens = data.batchSize() * (data.tokensPerRow() - 1);
        int saved = lastCheckpoint;
        for (int k = log.rows().size(); k < steps; k++) {
            int[] batch = data.batch(k);
            long t0 = System.nanoTime();
            TrainingSession.StepResult r = session.step(batch);
            double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
            check(k, "loss", r.loss(), saved);
            check(k, "gradient norm", r.gradNorm(), saved);
            double val = Double.NaN;
            if (!data.validation().isEmpty() && (k + 1 == steps || evalEvery > 0 && (k + 1) % evalEvery == 0)) {
                val = validationLoss();
                check(k, "validation loss", val, saved);
            }
            LossLog.Row row = new LossLog.Row(k, r.loss(), r.lr(), r.gradNorm(), tokens / seconds, val);
            log.add(row);
            progress.step(row, steps);
            if (k + 1 == steps || checkpointEvery > 0 && (k + 1) % checkpointEvery == 0) {
                Checkpoint.write(out, k + 1, session, data, options, log);
                saved = k + 1;
                if (k + 1 < steps) {
                    progress.notice("checkpoint at step " + saved + " written to " + out);
                }
            }
        }
    }

    /** The mean loss of the validation batches. */
    private double validationLoss() {
        List<int[]> batches = data.validation();
        double sum = 0;
        for (int[] b : batches) {
            sum += session.evalLoss(b);
        }
        return sum / batches.size();
    }

    /** Stops the run at step {@code k} when {@code value} is not finite, saving the log of the finite steps. */
    private void check(int k, String what, double value, int saved) throws IOException {
        if (Double.isFinite(value)) {
            return;
        }
        log.write(out.resolve(Checkpoint.LOSS_CSV));
        LossChart.write(out.resolve(Checkpoint.LOSS_PNG), log.rows(), "squall lm train: stopped at step " + k);
        throw new IllegalArgumentException("step " + k + ": the " + what + " is " + value + "; training stopped ("
                + (saved > 0 ? "the last good checkpoint, at step " + saved + ", is kept in " + out
                : "no checkpoint had been written; --checkpoint-every N saves one every N steps")
                + "; try a lower --lr or a --grad-clip)");
    }
}
