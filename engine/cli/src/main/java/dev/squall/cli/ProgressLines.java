package dev.squall.cli;

import java.io.PrintStream;

/**
 * Progress for a standard error that is not a terminal (a log, a pipe, CI): one line per measured
 * configuration, with its results, and the notices; nothing per run. With no error stream ({@code --quiet}),
 * results only.
 */
final class ProgressLines implements BenchOutput {
    private final PrintStream out;
    private final PrintStream err;

    /** Results to {@code out}, progress lines to {@code err} (none when null). */
    ProgressLines(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void step(String detail) {
    }

    @Override
    public void done(String summary) {
        line(summary);
    }

    @Override
    public void notice(String line) {
        line(line);
    }

    private void line(String text) {
        if (err != null) {
            err.println("bench: " + text);
        }
    }

    @Override
    public void results(String text) {
        BenchOutput.print(out, text);
    }

    @Override
    public void close() {
    }
}
