package dev.squall.cli;

import dev.squall.cli.train.AttentionKind;
import dev.squall.cli.train.BatchSource;
import dev.squall.cli.train.Checkpoint;
import dev.squall.cli.train.InitialWeights;
import dev.squall.cli.train.LossLog;
import dev.squall.cli.train.LrSchedule;
import dev.squall.cli.train.NpyBatches;
import dev.squall.cli.train.PipelineSession;
import dev.squall.cli.train.TextBatches;
import dev.squall.cli.train.TrainOptions;
import dev.squall.cli.train.TrainProgress;
import dev.squall.cli.train.TrainingRun;
import dev.squall.cli.train.TrainingSession;
import dev.squall.cli.train.TrainingSessions;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.Json;
import dev.squall.engine.memory.ActivationCodec;
import dev.squall.engine.model.GptCheckpoint;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StageBalance;
import dev.squall.engine.train.Recompute;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/** {@code squall lm train}: trains a GPT decoder, writing a checkpoint directory that {@code lm generate} reads. */
@Command(name = "train", sortOptions = false, description = {"Trains a GPT decoder on text or token batches.",
        "AdamW (PyTorch's semantics; weight decay on tensors of two or more",
        "dimensions), global gradient-norm clipping, linear warm-up, then cosine",
        "decay to --min-lr or a constant learning rate. Writes into --out, at the",
        "end and every --checkpoint-every steps: model.npz (nanoGPT names),",
        "config.json, meta.json (with --data), optimizer.npz, train_state.json,",
        "loss.csv (step, loss of the step's batch before its update, lr, grad_norm,",
        "tokens_per_s, val_loss after the update) and loss.png. --resume continues",
        "a checkpoint bit for bit as the uninterrupted run. Progress on standard",
        "error: a bar on a terminal, lines otherwise. Sample from the result with",
        "squall lm generate --model DIR."})
final class LmTrainCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "C.json",
            description = "nanoGPT GPTConfig as JSON (vocab_size, block_size, n_layer, n_head, n_embd, bias, dropout).")
    Path config;
    @Option(names = "--init", paramLabel = "M.npz", description = "Initial weights (nanoGPT .npz or .safetensors);"
            + " default: nanoGPT's initialisation drawn from --seed.")
    Path init;
    @ArgGroup(multiplicity = "1")
    Data data;
    @Option(names = "--steps", required = true, paramLabel = "K", description = "Optimizer steps of the whole run.")
    int steps;
    @Option(names = "--batch-size", paramLabel = "B", description = "Windows per batch with --data (default: 12;"
            + " with --batches, the file's B).")
    Integer batchSize;
    @Option(names = "--lr", required = true, paramLabel = "LR", description = "Peak learning rate.")
    double lr;
    @Option(names = "--min-lr", paramLabel = "LR", description = "Learning rate at the end of the cosine decay"
            + " (default: --lr / 10).")
    Double minLr;
    @Option(names = "--weight-decay", defaultValue = "0.1", paramLabel = "WD", description = "AdamW weight decay"
            + " (default: ${DEFAULT-VALUE}).")
    double weightDecay;
    @Option(names = "--beta1", defaultValue = "0.9", paramLabel = "B1", description = "AdamW beta1 (default:"
            + " ${DEFAULT-VALUE}).")
    double beta1;
    @Option(names = "--beta2", defaultValue = "0.95", paramLabel = "B2", description = "AdamW beta2 (default:"
            + " ${DEFAULT-VALUE}).")
    double beta2;
    @Option(names = "--eps", defaultValue = "1e-8", paramLabel = "EPS", description = "AdamW epsilon (default:"
            + " ${DEFAULT-VALUE}).")
    double eps;
    @Option(names = "--grad-clip", defaultValue = "1.0", paramLabel = "G", description = "Clip the global gradient"
            + " norm to G; 0: no clipping (default: ${DEFAULT-VALUE}).")
    double gradClip;
    @Option(names = "--warmup", defaultValue = "0", paramLabel = "W", description = "Steps of linear learning-rate"
            + " warm-up (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--lr-schedule", defaultValue = "cosine", paramLabel = "constant|cosine",
            description = "After the warm-up: constant, or cosine decay to --min-lr at the last step (default:"
                    + " ${DEFAULT-VALUE}).")
    String schedule;
    @Option(names = "--seed", defaultValue = "1337", paramLabel = "S", description = "Seed of the initial weights and"
            + " of the --data windows (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--eval-every", defaultValue = "0", paramLabel = "E", description = "Validation loss every E steps"
            + " (with --data); 0: after the last step only (default: ${DEFAULT-VALUE}).")
    int evalEvery;
    @Option(names = "--eval-batches", defaultValue = "20", paramLabel = "N", description = "Validation batches, fixed"
            + " windows of the last 10 %% of the text; 0: no validation (default: ${DEFAULT-VALUE}).")
    int evalBatches;
    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "N", description = "Also write the"
            + " checkpoint every N steps; 0: at the end only (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;
    @Option(names = "--attention", defaultValue = "fused", paramLabel = "fused|unfused", description = "Attention"
            + " and its backward: fused (FlashAttention-2 style, O(T) memory) or unfused (default: ${DEFAULT-VALUE}).")
    String attention;
    @Option(names = "--micro-batches", defaultValue = "1", paramLabel = "M", description = "Split each batch into M"
            + " equal micro-batches: their gradients are summed in order, then divided by M, one update per batch"
            + " (M must divide the batch size; default: ${DEFAULT-VALUE}).")
    int microBatches;
    @Option(names = "--pipeline-stages", defaultValue = "1", paramLabel = "P", description = "Train as P pipeline"
            + " stages in this JVM, each with its own backend (contiguous blocks; embeddings in the first, ln_f and the"
            + " head in the last); bit-identical to one stage with the same --micro-batches (default: ${DEFAULT-VALUE}).")
    int pipelineStages;
    @Option(names = "--schedule", defaultValue = "1f1b", paramLabel = "gpipe|1f1b", description = "Pipeline"
            + " schedule (default: ${DEFAULT-VALUE}).")
    String pipelineSchedule;
    @Option(names = "--stage-layers", paramLabel = "N,N,..", description = "Blocks per pipeline stage (default:"
            + " balanced by parameter count).")
    String stageLayers;
    @Option(names = "--recompute", defaultValue = "none", paramLabel = "none|selective|full", description = "Activation"
            + " recomputation: selective (recompute LayerNorm outputs, attention and GELU output in the backward) or"
            + " full (keep only each block's input, rerun its forward); same results, less memory"
            + " (default: ${DEFAULT-VALUE}).")
    String recompute;
    @Option(names = "--act-compress", defaultValue = "none", paramLabel = ActivationCodec.SYNTAX, description = "Store"
            + " the activations kept for the backward quantised (groups of G columns, default 128; int4/int2 with"
            + " seeded stochastic rounding); approximate gradients (default: ${DEFAULT-VALUE}).")
    String actCompress;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if its"
            + " parent exists); must not hold another run's checkpoint.")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the checkpoint in DIR (usually --out"
            + " itself) with the same config, data, batch size and seed.")
    Path resume;
    @Mixin
    RunOptions run;
    @Mixin
    TeacherOptions teacher;
    @Spec
    CommandSpec spec;

    /** Exactly one source of batches. */
    static final class Data {
        @Option(names = "--data", required = true, paramLabel = "FILE.txt", description = "UTF-8 text, tokenized by"
                + " characters; 90 %% / 10 %% train/validation; random windows of block_size + 1 drawn from --seed.")
        Path text;
        @Option(names = "--batches", required = true, paramLabel = "XS.npy", description = "int32 [K, B, T+1]: step k"
                + " trains on exactly XS[k] (T+1 <= block_size + 1).")
        Path batches;
    }

    @Override
    public Integer call() throws IOException {
        TrainOptions options = new TrainOptions(steps, lr, minLr == null ? lr / 10 : minLr, weightDecay, beta1, beta2,
                eps, gradClip, warmup, LrSchedule.parse(schedule), seed, AttentionKind.parse(attention),
                Recompute.parse("--recompute", recompute), ActivationCodec.parse("--act-compress", actCompress));
        checkCounts();
        if (run.profile) {
            throw new IllegalArgumentException("--profile is not supported by lm train");
        }
        boolean distilling = teacher.given();
        GptConfig c = ModelOptions.readConfig(config);
        BatchSource source = data.batches != null ? batches(c) : TextBatches.read(data.text, c,
                batchSize == null ? 12 : batchSize, evalBatches, seed);
        Schedule.parse(pipelineSchedule);
        if (microBatches < 1 || source.batchSize() % microBatches != 0) {
            throw new IllegalArgumentException("--micro-batches must be >= 1 and divide the batch size "
                    + source.batchSize() + ", got " + microBatches);
        }
        if (distilling && (microBatches > 1 || pipelineStages > 1 || stageLayers != null)) {
            throw new IllegalArgumentException("--teacher: distillation runs without --micro-batches and"
                    + " --pipeline-stages (not combined yet)");
        }
        boolean saving = options.recompute() != Recompute.NONE || options.actCompress().compresses();
        if (saving && (microBatches > 1 || pipelineStages > 1 || stageLayers != null)) {
            throw new IllegalArgumentException("--recompute/--act-compress: not combined with --micro-batches or"
                    + " --pipeline-stages yet");
        }
        if (saving && c.norm() == dev.squall.engine.model.NormKind.PREPBN) {
            throw new IllegalArgumentException("--recompute/--act-compress: not available with \"norm\": \"prepbn\""
                    + " yet (its forward updates running statistics)");
        }
        GptWeights teacherWeights = distilling ? teacher.read(c) : null;
        Checkpoint.Saved saved = resume == null ? null : Checkpoint.read(resume, c);
        if (saved != null) {
            checkResumable(saved, source, options);
        }
        GptWeights initial = saved != null ? saved.weights() : init != null ? readInit(c)
                : InitialWeights.nanoGpt(c, seed);
        prepareOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        int start = saved == null ? 0 : saved.step();
        LossLog log = saved == null ? new LossLog() : saved.log();
        try (Backend backend = run.backend();
             TrainingSession session = pipelineStages > 1 || stageLayers != null
                     ? PipelineSession.open(c, initial, options, source.batchSize(), source.tokensPerRow(),
                             run::backend, pipelineStages, stageLayers == null ? null
                                     : StageBalance.parseCounts(stageLayers, pipelineStages), microBatches,
                             Schedule.parse(pipelineSchedule))
                     : microBatches > 1
                     ? TrainingSessions.microBatched(c, initial, options, source.batchSize(), source.tokensPerRow(),
                             backend, microBatches)
                     : TrainingSessions.factory().open(c, initial, options, source.batchSize(),
                             source.tokensPerRow(), backend);
             GptModel teacherModel = distilling ? teacher.model(teacherWeights, backend) : null;
             TrainProgress progress = TrainProgress.open(err, start, steps)) {
            if (teacherModel != null) {
                session.distill(teacher.distill(teacherModel));
            }
            if (saved != null) {
                restore(session, saved);
            }
            if (session.description() != null) {
                progress.notice(session.description());
            }
            int kept = saved != null && sameFile(out, resume) ? start : 0;
            new TrainingRun(session, source, options, out, log, evalEvery, checkpointEvery).run(progress, kept);
            if (session.summary() != null) {
                err.println("train: " + session.summary());
            }
        } catch (UnsupportedOperationException e) {
            err.println("train: " + e.getMessage());
            return 1;
        }
        summary(err, log, source, start, System.nanoTime() - t0);
        return 0;
    }

    private void checkCounts() {
        String[] names = {"--eval-every", "--eval-batches", "--checkpoint-every"};
        int[] values = {evalEvery, evalBatches, checkpointEvery};
        for (int i = 0; i < names.length; i++) {
            if (values[i] < 0) {
                throw new IllegalArgumentException(names[i] + " must be >= 0, got " + values[i]);
            }
        }
        if (batchSize != null && batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (init != null && resume != null) {
            throw new IllegalArgumentException("--init and --resume are mutually exclusive (a checkpoint has its"
                    + " weights)");
        }
        if (data.batches != null && evalEvery > 0) {
            throw new IllegalArgumentException("--eval-every needs --data (--batches has no validation set)");
        }
    }

    private BatchSource batches(GptConfig c) {
        BatchSource b = NpyBatches.read(data.batches, c, steps);
        if (batchSize != null && batchSize != b.batchSize()) {
            throw new IllegalArgumentException("--batch-size " + batchSize + " differs from the " + b.batchSize()
                    + " rows per batch of --batches");
        }
        return b;
    }

    /** Creates {@code --out} if needed and makes sure it is writable and holds no other run's checkpoint. */
    private void prepareOut() {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--out (" + out + "): no such directory " + parent);
        }
        try {
            AtomicFiles.requireWritableDirectory(out);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out: " + e.getMessage(), e);
        }
        boolean resumingHere = resume != null && Files.isDirectory(resume) && sameFile(out, resume);
        if (!resumingHere && Checkpoint.exists(out)) {
            throw new IllegalArgumentException("--out (" + out + ") already holds a checkpoint; continue it with"
                    + " --resume " + out + ", or choose another --out");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private GptWeights readInit(GptConfig c) {
        try {
            return GptCheckpoint.read(init, c);
        } catch (IOException e) {
            throw new IllegalArgumentException("--init (" + init + "): " + IoErrors.reason(init, e), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--init: " + e.getMessage(), e);
        }
    }

    /** A resumed run must see the same batches: the same data, batch shape and seed. */
    private void checkResumable(Checkpoint.Saved saved, BatchSource source, TrainOptions options) {
        String where = "--resume (" + resume + ")";
        Map<String, Object> state = saved.state();
        if (!Json.write(state.get("data")).equals(Json.write(source.identity()))) {
            throw new IllegalArgumentException(where + ": its checkpoint was trained on other data ("
                    + state.get("data") + "; now " + source.identity() + ")");
        }
        if (!Objects.equals(state.get("batch_size"), (long) source.batchSize())
                || !Objects.equals(state.get("tokens_per_row"), (long) source.tokensPerRow())) {
            throw new IllegalArgumentException(where + ": its batches were " + state.get("batch_size") + " rows of "
                    + state.get("tokens_per_row") + " tokens (--batch-size, block_size + 1); now " + source.batchSize()
                    + " of " + source.tokensPerRow());
        }
        if (state.get("options") instanceof Map<?, ?> was && !Objects.equals(was.get("seed"), seed)) {
            throw new IllegalArgumentException(where + ": its --seed was " + was.get("seed") + ", now " + seed);
        }
        if (saved.step() >= steps) {
            throw new IllegalArgumentException(where + ": its checkpoint is at step " + saved.step() + "; --steps ("
                    + steps + ") must be larger to continue it");
        }
        if (state.get("options") instanceof Map<?, ?> was && !sameOptions(was, options.toMap())) {
            spec.commandLine().getErr().println("train: note: the options differ from the checkpoint's (" + was
                    + "); the continuation follows the new ones");
        }
    }

    private static boolean sameOptions(Map<?, ?> was, Map<String, Object> now) {
        for (Map.Entry<String, Object> e : now.entrySet()) {
            Object old = was.get(e.getKey());
            boolean same = e.getValue() instanceof Number n && old instanceof Number o
                    ? n.doubleValue() == o.doubleValue() : Objects.equals(e.getValue(), old);
            if (!same) {
                return false;
            }
        }
        return true;
    }

    private void restore(TrainingSession session, Checkpoint.Saved saved) {
        try {
            session.restoreOptimizer(saved.optimizer());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--resume (" + resume + "): " + Checkpoint.OPTIMIZER + ": "
                    + e.getMessage(), e);
        }
    }

    private void summary(PrintWriter err, LossLog log, BatchSource source, int start, long nanos) {
        List<LossLog.Row> rows = log.rows();
        double valLoss = rows.stream().filter(r -> !Double.isNaN(r.valLoss())).mapToDouble(LossLog.Row::valLoss)
                .reduce((a, b) -> b).orElse(Double.NaN);
        double seconds = nanos / 1e9;
        double tokens = (double) (steps - start) * source.batchSize() * (source.tokensPerRow() - 1);
        err.printf(Locale.ROOT, "train: %d steps in %.1f s (%.0f tokens/s, evaluation and checkpoints included);"
                        + " last loss %.4f%s; checkpoint in %s%n",
                steps - start, seconds, tokens / seconds, rows.getLast().loss(), Double.isNaN(valLoss) ? ""
                        : String.format(Locale.ROOT, ", val_loss %.4f", valLoss), out);
        err.flush();
    }
}
