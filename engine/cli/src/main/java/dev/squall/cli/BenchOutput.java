package dev.squall.cli;

import dev.squall.benchmarks.suite.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@code squall bench} reports: results on standard output; progress on standard error as a bar with
 * the time left when standard error is a terminal, as one line per measured configuration (and notices) when
 * it is not, and not at all with {@code --quiet}.
 */
interface BenchOutput extends Progress, AutoCloseable {
    /** Prints results on standard output (the progress bar, if any, is cleared first and redrawn after). */
    void results(String text);

    /** Ends the progress display. */
    @Override
    void close();

    /** The output for this process: quiet, a progress bar, or progress lines; {@code work} is all suites' work. */
    static BenchOutput open(boolean quiet, double work) {
        if (quiet) {
            return new ProgressLines(System.out, null);
        }
        return stderrIsTerminal() ? new ProgressBarOutput(System.out, System.err, work)
                : new ProgressLines(System.out, System.err);
    }

    /**
     * Whether standard error is a terminal: on Linux, whether file descriptor 2 is a tty or pseudo-terminal;
     * elsewhere, whether the JVM has a console (standard input and output are terminals).
     */
    private static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.exists(fd, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }

    /** Writes {@code text} and a line break to {@code out}, as results have always been printed. */
    static void print(PrintStream out, String text) {
        out.println(text);
        out.flush();
    }
}
