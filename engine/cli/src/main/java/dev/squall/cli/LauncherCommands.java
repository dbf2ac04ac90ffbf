package dev.squall.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code squall test} and {@code squall jmh}: commands of the {@code ./squall} launcher (and of
 * {@code tornado-config/run}), which runs Maven or the JMH jar for them; listed here so that help shows them.
 * Reaching them in the CLI itself means it was started without the launcher.
 */
final class LauncherCommands {
    private LauncherCommands() {
    }

    /** {@code squall test [MAVEN ARGS]}. */
    @Command(name = "test", description = {"Run the full test suite (mvn verify in the checkout).",
            "Any arguments go to Maven (e.g. -pl engine -Dtest=NpyTest). A command of the ./squall launcher; "
                    + "tornado-config/run test runs the TornadoVM suite (mvn -Ptornado verify)."})
    static final class Test implements Callable<Integer> {
        @Unmatched
        List<String> mavenArgs;

        @Override
        public Integer call() {
            return notHere("test");
        }
    }

    /** {@code squall jmh [JMH ARGS]}. */
    @Command(name = "jmh", description = {"Run the JMH benchmarks with JMH's arguments.",
            "The benchmarks of benchmarks/target/benchmarks.jar: ./squall jmh -l lists them, ./squall jmh -h shows "
                    + "JMH's options. A command of the ./squall launcher."})
    static final class Jmh implements Callable<Integer> {
        @Unmatched
        List<String> jmhArgs;

        @Override
        public Integer call() {
            return notHere("jmh");
        }
    }

    private static int notHere(String command) {
        throw new IllegalArgumentException("'" + command + "' is run by the launcher: ./squall " + command
                + " (or tornado-config/run " + command + "), not by the CLI's main class");
    }
}
