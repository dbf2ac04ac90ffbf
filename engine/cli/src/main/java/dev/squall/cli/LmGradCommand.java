package dev.squall.cli;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.Gradients;
import dev.squall.engine.train.Recompute;
import dev.squall.engine.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code squall lm grad --model M --config C --batch X.npy -o G.npz}: the loss and every parameter's gradient. */
@Command(name = "grad", description = {"Writes the gradient of the mean cross-entropy loss of a batch with respect to"
        + " every parameter, and prints 'loss: <value>'.",
        "With --teacher, the loss is alpha*TAU^2*KL(teacher || student) + (1-alpha)*cross-entropy (knowledge"
                + " distillation; the KL term averaged over the non-ignored tokens as PyTorch's batchmean).",
        "X.npy is int32 [B, T+1] (T <= block_size): inputs X[:, :-1], targets X[:, 1:] (a target of -1 is ignored);"
                + " G.npz holds one float32 gradient per parameter under its nanoGPT name, the tied embedding once"
                + " as transformer.wte.weight."})
final class LmGradCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "M.npz",
            description = "Weights: nanoGPT state dict (.npz) or .safetensors.")
    Path model;
    @Option(names = "--config", required = true, paramLabel = "C.json",
            description = "nanoGPT GPTConfig as JSON, or a Hugging Face GPT-2 config.json.")
    Path config;
    @Option(names = "--batch", required = true, paramLabel = "X.npy", description = "Tokens, int32 [B, T+1].")
    Path batch;
    @Option(names = "--attention", paramLabel = "fused|unfused", defaultValue = "fused",
            description = "Attention backward: fused (FlashAttention-2) or unfused (probabilities saved); default: fused.")
    String attention;
    @Option(names = "--recompute", paramLabel = "none|selective|full", defaultValue = "none",
            description = "Activation recomputation in the backward (same gradients, less memory); default: none.")
    String recompute;
    @Option(names = "--act-compress", paramLabel = ActivationCodec.SYNTAX, defaultValue = "none",
            description = "Store the activations kept for the backward quantised (approximate gradients); default: none.")
    String actCompress;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "G.npz", description = "Where to write the gradients.")
    Path output;
    @Mixin
    RunOptions run;
    @Mixin
    TeacherOptions teacher;

    @Override
    public Integer call() throws IOException {
        TrainOptions.Attention form = switch (attention.toLowerCase(Locale.ROOT)) {
            case "fused" -> TrainOptions.Attention.FUSED;
            case "unfused" -> TrainOptions.Attention.UNFUSED;
            default -> throw new IllegalArgumentException("--attention must be fused or unfused, got '" + attention + "'");
        };
        Recompute how = Recompute.parse("--recompute", recompute);
        ActivationCodec codec = ActivationCodec.parse("--act-compress", actCompress);
        NdArray x = Inputs.read("--batch", batch);
        if (x.dtype() != DType.INT32 && x.dtype() != DType.INT64) {
            throw new IllegalArgumentException("--batch must be int32 (or int64) [B, T+1], got " + x.describe());
        }
        Inputs.rank("--batch", x, 2);
        if (x.dim(0) < 1 || x.dim(1) < 2) {
            throw new IllegalArgumentException("--batch must be [B, T+1] with B >= 1 and T+1 >= 2, got " + x.describe());
        }
        boolean distilling = teacher.given();
        GptConfig c = ModelOptions.readConfig(config);
        int length = x.dim(1) - 1;
        if (length > c.blockSize()) {
            throw new IllegalArgumentException("--batch: T+1 = " + x.dim(1) + " exceeds block_size+1 = "
                    + (c.blockSize() + 1) + " of --config");
        }
        int[] ids;
        try {
            ids = x.toInts();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--batch: " + e.getMessage(), e);
        }
        GptWeights w = ModelOptions.readWeights(model, c);
        Inputs.requireWritable("-o", output);
        Gradients g;
        TrainOptions options = TrainOptions.defaults(1).withAttention(form);
        try (Backend backend = run.backend(); GptTrainer trainer = new GptTrainer(w, options, how, codec, backend,
                x.dim(0), length);
             GptModel t = distilling ? teacher.load(c, backend) : null) {
            if (t != null) {
                trainer.distill(teacher.distill(t));
            }
            try {
                trainer.checkBatch(ids);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--batch: " + e.getMessage(), e);
            }
            g = trainer.gradients(ids);
            if (run.profile) {
                trainer.lastProfiles().forEach(p -> System.err.print(p.table()));
            }
        }
        try {
            Npz.write(output, g.gradients());
        } catch (IOException e) {
            throw new IOException("-o (" + output + "): " + e.getMessage(), e);
        }
        System.out.println("loss: " + g.loss());
        return 0;
    }
}
