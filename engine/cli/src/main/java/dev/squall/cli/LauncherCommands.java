package dev.squall.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code squall test} and {@code squall jmh}: commands of the {@code ./squall} launcher (and of
 * {@code tornado-config/run}), which runs Maven or the JMH jar for them; listed here so that help shows them.
 * Reaching them in the CLI itself means it was started without the launcher.
 */
abstract class LauncherCommands implements Callable<Integer> {
    @Unmatched
    List<String> args;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new IllegalArgumentException("'" + spec.name() + "' is run by the launcher: ./squall " + spec.name()
                + " (or tornado-config/run " + spec.name() + "), not by the CLI's main class");
    }

    /** {@code squall test [MAVEN ARGS]}. */
    @Command(name = "test", customSynopsis = "squall test [-h] [MAVEN ARGS...]", description = {"Run the full test suite (mvn verify in the checkout).",
            "Any arguments go to Maven (e.g. -pl engine -Dtest=NpyTest). A command of the ./squall launcher; "
                    + "tornado-config/run test runs the TornadoVM suite (mvn -Ptornado verify)."})
    static final class Test extends LauncherCommands {
    }

    /** {@code squall jmh [JMH ARGS]}. */
    @Command(name = "jmh", customSynopsis = "squall jmh [JMH ARGS...]", description = {"Run the JMH benchmarks with JMH's arguments.",
            "The benchmarks of benchmarks/target/benchmarks.jar: ./squall jmh -l lists them, ./squall jmh -h shows "
                    + "JMH's options. A command of the ./squall launcher."})
    static final class Jmh extends LauncherCommands {
    }
}
