package dev.squall.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code -o OUT.npy} option of the {@code op} commands. */
final class OutputOption {
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.npy", description = "Where to write the result.")
    Path file;
}
