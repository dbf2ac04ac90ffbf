package dev.squall.cli;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code squall lm logits --model M --config C --tokens T.npy -o L.npy}: the logits of every position. */
@Command(name = "logits", resourceBundle = "dev.squall.cli.FormatHelp", description = {"Writes the logits of every position.",
        "T.npy is int32 or int64 [B, T'] (T' <= block_size); L.npy is float32 [B, T', vocab_size]."})
final class LmLogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;
    @Option(names = "--tokens", required = true, paramLabel = "T.npy", description = "Token ids, int32 or int64 [B, T'].")
    Path tokens;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "L.npy", description = "Where to write the logits.")
    Path output;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        model.checkNames();
        NdArray t = Inputs.read("--tokens", tokens);
        if (t.dtype() != DType.INT32 && t.dtype() != DType.INT64) {
            throw new IllegalArgumentException("--tokens must be int32 or int64, got " + t.describe());
        }
        Inputs.rank("--tokens", t, 1, 2);
        int batch = t.rank() == 2 ? t.dim(0) : 1;
        int length = t.dim(-1);
        if (batch < 1 || length < 1) {
            throw new IllegalArgumentException("--tokens must hold at least one token, got " + t.describe());
        }
        int[] ids;
        try {
            ids = t.toInts();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tokens: " + e.getMessage(), e);
        }
        GptConfig config = model.readConfig();
        if (length > config.blockSize()) {
            throw new IllegalArgumentException("--tokens: sequence length T'=" + length + " exceeds block_size="
                    + config.blockSize() + " of --config");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("--tokens: token " + ids[i] + " at [" + i / length + ", " + i % length
                        + "] is outside the vocabulary [0, " + config.vocabSize() + ") of --config");
            }
        }
        Inputs.requireWritable("-o", output);
        float[] logits;
        try (Backend backend = run.backend(); GptModel m = model.load(config, model.options(backend, null))) {
            logits = m.logits(ids, batch, length);
            if (run.profile) {
                System.err.print(m.lastProfile().table());
            }
        }
        int[] shape = t.rank() == 2 ? new int[] {batch, length, config.vocabSize()} : new int[] {length, config.vocabSize()};
        Inputs.write("-o", output, NdArray.of(logits, shape));
        return 0;
    }
}
