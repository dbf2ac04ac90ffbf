package dev.squall.cli.train;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress for a standard error that is not a terminal (a log, a pipe): a line every {@code every} steps or
 * {@code interval}, whichever comes first, and at every evaluation and the last step, with the time left
 * extrapolated from the steps so far.
 */
final class TrainProgressLines implements TrainProgress {
    private final PrintWriter err;
    private final int every;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastLine = start;
    private int stepsDone;

    TrainProgressLines(PrintWriter err, int every, Duration interval) {
        this.err = err;
        this.every = every;
        this.intervalNanos = interval.toNanos();
    }

    @Override
    public void step(LossLog.Row row, int steps) {
        stepsDone++;
        long now = System.nanoTime();
        boolean last = row.step() + 1 == steps;
        if (last || (row.step() + 1) % every == 0 || !Double.isNaN(row.valLoss()) || now - lastLine >= intervalNanos) {
            lastLine = now;
            double left = (now - start) / 1e9 / stepsDone * (steps - row.step() - 1);
            err.println("train: " + TrainProgress.describe(row, steps) + (last ? "" : ", " + duration(left) + " left"));
            err.flush();
        }
    }

    @Override
    public void notice(String line) {
        err.println("train: " + line);
        err.flush();
    }

    /** {@code 1h02m}, {@code 3m05s}, {@code 12s}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
    }
}
