package dev.squall.cli;

import picocli.CommandLine.Command;

/** {@code squall lm ...}: whole GPT models. */
@Command(name = "lm", description = "Run a GPT decoder (nanoGPT's form): logits, text generation, gradients, "
        + "training, benchmark, PRepBN folding.",
        subcommands = {LmLogitsCommand.class, LmGenerateCommand.class, LmGradCommand.class, LmTrainCommand.class,
                LmBenchCommand.class, LmFoldCommand.class})
final class LmCommand {
}
