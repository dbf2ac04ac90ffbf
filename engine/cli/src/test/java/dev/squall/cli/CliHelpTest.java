package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every command answers {@code -h/--help} with its usage and status 0; {@code squall help} finds nested ones. */
class CliHelpTest extends CliFiles {

    /** Every registered command, as the words that name it ({@code [op, block]}), the top level first. */
    static Stream<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), all);
        return all.stream();
    }

    private static void collect(CommandLine cli, List<String> path, List<List<String>> all) {
        all.add(List.copyOf(path));
        cli.getSubcommands().forEach((name, sub) -> {
            path.add(name);
            collect(sub, path, all);
            path.removeLast();
        });
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandPrintsItsUsageForHelp(List<String> command) {
        String usage = "Usage: " + String.join(" ", prepend("squall", command));
        for (String flag : List.of("--help", "-h")) {
            String out = stdout(0, append(command, flag));
            assertTrue(out.startsWith(usage + " "), command + " " + flag + " printed: " + out);
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void squallHelpShowsTheSameUsage(List<String> command) {
        assertEquals(stdout(0, append(command, "--help")), stdout(0, prepend("help", command).toArray(String[]::new)));
    }

    /** Picocli lists a command by the first line of its description: a whole sentence, not part of one. */
    @ParameterizedTest
    @MethodSource("commands")
    void summariesAreWholeSentences(List<String> command) {
        CommandLine cli = new CommandLine(new Main());
        for (String name : command) {
            cli = cli.getSubcommands().get(name);
        }
        String[] description = cli.getCommandSpec().usageMessage().description();
        assertTrue(description.length > 0 && description[0].endsWith("."), command + ": " + List.of(description));
    }

    @Test
    void theTopLevelHelpListsTheLauncherCommands() {
        String out = stdout(0, "--help");
        for (String command : List.of("op", "bench", "info", "quantize", "attention-error", "test", "jmh", "help")) {
            assertTrue(out.contains("\n  " + command + " "), command + " missing from: " + out);
        }
    }

    @Test
    void launcherCommandsOutsideTheLauncherSaySo() {
        stdout(2, "test", "-Dtest=X");
        assertError("'test' is run by the launcher: ./squall test");
        stdout(2, "jmh", "-l");
        assertError("'jmh' is run by the launcher: ./squall jmh");
    }

    @Test
    void helpForAnUnknownCommandNamesIt() {
        stdout(2, "help", "op", "blocks");
        assertError("help: unknown command 'blocks' of 'squall op' (its commands: matmul,");
    }

    private static String[] append(List<String> command, String arg) {
        List<String> all = new ArrayList<>(command);
        all.add(arg);
        return all.toArray(String[]::new);
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }
}
