package dev.squall.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * The {@code squall} command line. Usage and input errors exit with 2, failures with 1. Every command and
 * subcommand inherits {@code -h/--help} and {@code -V/--version} ({@code scope = INHERIT}).
 */
@Command(name = "squall", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "Transformer acceleration as a pure-Java compute engine.",
        subcommands = {OpCommand.class, BenchCommand.class, InfoCommand.class, QuantizeCommand.class,
                AttentionErrorCommand.class, LmCommand.class, LauncherCommands.Test.class, LauncherCommands.Jmh.class,
                NestedHelpCommand.class})
public final class Main {

    /** Runs the CLI and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit status (0 ok, 1 failure, out of memory included, 2 usage or input error). */
    public static int run(String... args) {
        return run(new PrintWriter(System.err, true), args);
    }

    /** {@link #run(String...)} with error messages written to {@code err}. */
    public static int run(PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main()).setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException) {
                commandLine.getErr().println(commandLine.getColorScheme().errorText(
                        commandLine.getCommandName() + ": " + e.getMessage()));
                return CommandLine.ExitCode.USAGE;
            }
            throw e;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // What up-front checks did not foresee: a failure (1), not an input error, with what to change.
            err.println(cli.getColorScheme().errorText(String.format(java.util.Locale.ROOT, "squall: out of memory"
                    + " (Java heap of at most %.1f GiB): use smaller inputs, --fused or a --pattern for long sequences,"
                    + " or a larger heap (SQUALL_JAVA_OPTS=-Xmx<size> ./squall ...)",
                    Runtime.getRuntime().maxMemory() / (double) (1L << 30))));
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    /** Version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"squall " + (v == null ? "(development build)" : v)};
        }
    }
}
