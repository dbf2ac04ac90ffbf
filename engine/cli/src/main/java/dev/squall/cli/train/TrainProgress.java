package dev.squall.cli.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress of a training run on standard error: a bar (step, loss, tokens/s, time left) when it is a terminal,
 * else a line now and then ({@link TrainProgressLines}).
 */
public interface TrainProgress extends AutoCloseable {
    /** Step {@code row.step()} of {@code steps} is done. */
    void step(LossLog.Row row, int steps);

    /** A line to show (a checkpoint written), above the bar if there is one. */
    void notice(String line);

    /** Ends the display. */
    @Override
    void close();

    /** A bar on {@link System#err} when it is a terminal, else lines on {@code err}; from step {@code start}. */
    static TrainProgress open(PrintWriter err, int start, int steps) {
        return stderrIsTerminal() ? new TrainProgressBar(System.err, start, steps)
                : new TrainProgressLines(err, Math.max(1, steps / 20), Duration.ofSeconds(10));
    }

    /** The line of a step: {@code step 100/2000 loss 2.4512 val 2.4103 lr 1.00e-03 19873 tokens/s}. */
    static String describe(LossLog.Row row, int steps) {
        return String.format(Locale.ROOT, "step %d/%d loss %.4f%s lr %.2e %.0f tokens/s", row.step() + 1, steps,
                row.loss(), Double.isNaN(row.valLoss()) ? "" : String.format(Locale.ROOT, " val %.4f", row.valLoss()),
                row.lr(), row.tokensPerSecond());
    }

    /**
     * Whether standard error is a terminal: on Linux, whether file descriptor 2 is a tty or pseudo-terminal;
     * elsewhere, whether the JVM has a console.
     */
    private static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.exists(fd, LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }
}
