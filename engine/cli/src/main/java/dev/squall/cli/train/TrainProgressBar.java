package dev.squall.cli.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress on a terminal: me.tongfei:progressbar's bar over the steps (elapsed time and time left,
 * extrapolated from the steps of this run), with the last step's loss, validation loss and tokens/s.
 */
final class TrainProgressBar implements TrainProgress {
    private static final String CLEAR_LINE = "\r\033[K";
    private final PrintStream err;
    private final ProgressBar bar;

    TrainProgressBar(PrintStream err, int start, int steps) {
        this.err = err;
        this.bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(steps).startsFrom(start, Duration.ZERO)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setConsumer(new ConsoleProgressBarConsumer(err))
                .setUpdateIntervalMillis(250).setUnit(" steps", 1).build();
    }

    @Override
    public void step(LossLog.Row row, int steps) {
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f%s, %.0f tokens/s", row.loss(),
                Double.isNaN(row.valLoss()) ? "" : String.format(Locale.ROOT, " (val %.4f)", row.valLoss()),
                row.tokensPerSecond()));
        bar.stepTo(row.step() + 1);
    }

    @Override
    public synchronized void notice(String line) {
        err.print(CLEAR_LINE + "train: " + line + "\n");
        err.flush();
    }

    @Override
    public void close() {
        bar.close();
    }
}
