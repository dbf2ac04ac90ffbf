package dev.squall.cli;

import picocli.CommandLine.Command;

/** {@code squall op NAME ...}: run one operation on .npy files. */
@Command(name = "op", description = "Run one operation on .npy files; writes a float32 .npy.",
        subcommands = {MatmulOp.class, LayerNormOp.class, RmsNormOp.class, SoftmaxOp.class, GeluOp.class,
                AttentionCommand.class, BlockCommand.class, EncoderCommand.class})
final class OpCommand {
}
