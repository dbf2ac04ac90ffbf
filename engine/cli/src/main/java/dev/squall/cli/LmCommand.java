package dev.squall.cli;

import picocli.CommandLine.Command;

/** {@code squall lm ...}: whole GPT models. */
@Command(name = "lm", description = "Run a GPT decoder (nanoGPT's form): logits, text generation, gradients, benchmark.",
        subcommands = {LmLogitsCommand.class, LmGenerateCommand.class, LmGradCommand.class, LmBenchCommand.class})
final class LmCommand {
}
