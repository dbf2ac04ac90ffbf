package dev.squall.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DefaultProgressBarRenderer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Progress on a terminal: one bar (me.tongfei:progressbar) over all suites, advancing with the estimated work
 * of each configuration ({@code BenchSuite.work()}: FLOPs), so that its time left, extrapolated from the work
 * done so far, holds although long sequences cost far more than short ones. The bar shows what runs now;
 * each finished configuration's summary line and the results scroll above it.
 */
final class ProgressBarOutput implements BenchOutput {
    /** Bar units: the whole work is this many. */
    private static final long UNITS = 100_000;

    private final PrintStream out;
    private final double total;
    private final Screen screen;
    private final ProgressBar bar;
    private double doneWork;
    private double currentWork;
    private int configurations;

    /** A bar on {@code err} for {@code total} work, as wide as the terminal; results go to {@code out}. */
    ProgressBarOutput(PrintStream out, PrintStream err, double total) {
        this(out, err, total, new ConsoleProgressBarConsumer(err).getMaxRenderedLength());
    }

    /** A bar {@code width} characters wide. */
    ProgressBarOutput(PrintStream out, PrintStream err, double total, int width) {
        this.out = out;
        this.total = total > 0 ? total : 1;
        this.screen = new Screen(err, width);
        this.bar = new ProgressBarBuilder().setTaskName("bench").setInitialMax(UNITS).setConsumer(screen)
                .setRenderer(new Renderer()).setUpdateIntervalMillis(250).clearDisplayOnFinish().build();
    }

    @Override
    public void begin(String configuration, double work) {
        currentWork = work;
        bar.setExtraMessage(configuration);
    }

    @Override
    public void step(String detail) {
        bar.setExtraMessage(detail);
    }

    @Override
    public void step(String detail, double fraction) {
        bar.setExtraMessage(detail);
        advanceTo(doneWork + Math.max(0, Math.min(1, fraction)) * currentWork);
    }

    @Override
    public void done(String summary) {
        doneWork += currentWork;
        currentWork = 0;
        configurations++;
        advanceTo(doneWork);
        screen.above(screen.err, "bench: " + summary);
    }

    @Override
    public void notice(String line) {
        screen.above(screen.err, "bench: " + line);
    }

    @Override
    public void results(String text) {
        screen.above(out, text);
    }

    private void advanceTo(double work) {
        long units = Math.min(UNITS - 1, Math.round(UNITS * work / total));
        if (units > bar.getCurrent()) {
            bar.stepTo(units);
        }
    }

    @Override
    public void close() {
        bar.close();
        screen.clear(); // the library skips it when it closes before its first refresh
    }

    /** The terminal line of the bar: redraws it in place, and prints other text above it, one writer at a time. */
    private static final class Screen implements ProgressBarConsumer {
        private static final String CLEAR_LINE = "\r\033[K";
        final PrintStream err;
        private final int width;
        private String last = "";

        Screen(PrintStream err, int width) {
            this.err = err;
            this.width = width;
        }

        @Override
        public int getMaxRenderedLength() {
            return width;
        }

        @Override
        public synchronized void accept(String rendered) {
            last = rendered;
            err.print('\r' + rendered);
            err.flush();
        }

        /** Clears the bar, prints {@code text} on {@code stream}, and draws the bar again below it. */
        synchronized void above(PrintStream stream, String text) {
            err.print(CLEAR_LINE);
            err.flush();
            BenchOutput.print(stream, text);
            err.print('\r' + last);
            err.flush();
        }

        @Override
        public synchronized void clear() {
            err.print(CLEAR_LINE);
            err.flush();
            last = "";
        }

        @Override
        public void close() {
            // standard error stays open
        }
    }

    /** The library's rendering, with the configurations measured in place of a units ratio. */
    private final class Renderer extends DefaultProgressBarRenderer {
        Renderer() {
            super(ProgressBarStyle.COLORFUL_UNICODE_BLOCK, "", 1, false, new DecimalFormat("#.#"), ChronoUnit.SECONDS,
                    true, Renderer::eta);
        }

        @Override
        protected String ratio(ProgressState state) {
            return configurations + " measured";
        }

        /** Time left, extrapolated linearly from the work done so far. */
        private static Optional<Duration> eta(ProgressState state) {
            long done = state.getCurrent() - state.getStart();
            if (done <= 0) {
                return Optional.empty();
            }
            Duration elapsed = state.getElapsedAfterStart();
            return Optional.of(elapsed.multipliedBy(state.getMax() - state.getCurrent()).dividedBy(done));
        }
    }
}
