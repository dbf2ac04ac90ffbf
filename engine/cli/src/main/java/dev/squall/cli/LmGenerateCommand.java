package dev.squall.cli;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.Generation;
import dev.squall.engine.model.Sampling;
import dev.squall.engine.tokenizer.TextStream;
import dev.squall.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code squall lm generate}: text from a prompt, streamed as it is produced; prefill and decode tokens/s on
 * standard error.
 */
@Command(name = "generate", resourceBundle = "dev.squall.cli.FormatHelp", description = {"Generates text from a prompt.",
        "Prefills the prompt through the fused graph, then decodes one token at a time over a KV cache. Text",
        "streams to standard output; prefill and decode tokens/s go to standard error. The same --seed gives",
        "the same text."})
final class LmGenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;
    @Mixin
    TokenizerOptions tokenizer;
    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (default: a newline, as nanoGPT's sample.py).")
    String prompt;
    @Option(names = "--prompt-tokens", split = ",", paramLabel = "ID", description = "Prompt as token ids instead of text"
            + " (without a tokenizer the output is token ids too).")
    int[] promptTokens;
    @Option(names = "--max-new-tokens", defaultValue = "200", paramLabel = "N", description = "Tokens to generate"
            + " (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T", description = "Softmax temperature"
            + " (default: ${DEFAULT-VALUE}).")
    double temperature;
    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample from the K most likely tokens"
            + " (default: 0, all).")
    int topK;
    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "P", description = "Nucleus: the most likely tokens"
            + " up to probability P (default: ${DEFAULT-VALUE}).")
    double topP;
    @Option(names = "--seed", defaultValue = "1337", paramLabel = "S", description = "Seed of the sampling"
            + " (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--greedy", description = "Always the most likely token (no sampling).")
    boolean greedy;
    @Option(names = "--kv", defaultValue = "fp32", paramLabel = "fp32|int8", description = "KV cache storage"
            + " (default: ${DEFAULT-VALUE}).")
    String kv;
    @Mixin
    RunOptions run;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        model.checkNames();
        ModelOptions.kv(kv);
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("--max-new-tokens must be >= 0, got " + maxNewTokens);
        }
        Sampling sampling = greedy ? Sampling.greedyDecoding() : Sampling.of(temperature, topK, topP, seed);
        if (prompt != null && promptTokens != null) {
            throw new IllegalArgumentException("--prompt and --prompt-tokens are mutually exclusive");
        }
        GptConfig config = model.readConfig();
        GptModel.Options checked = model.options(null, kv);
        try {
            GptModel.checkGeneration(checked);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--pattern " + e.getMessage(), e);
        }
        Tokenizer tok = tokenizer.tokenizer(model.weightsFile());
        int[] ids = promptIds(tok, config);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Backend backend = run.backend(); GptModel m = model.load(config, model.options(backend, kv))) {
            TextStream text = tok == null ? null : new TextStream(tok);
            if (tok != null) {
                out.print(tok.decode(ids));
            } else {
                out.print(String.join(" ", Arrays.stream(ids).mapToObj(String::valueOf).toList()));
            }
            out.flush();
            Generation g = m.generate(ids, maxNewTokens, sampling, id -> {
                if (text == null) {
                    out.print(" " + id);
                } else {
                    out.print(id < tok.vocabSize() ? text.push(id) : "\uFFFD");
                }
                out.flush();
            });
            out.println(text == null ? "" : text.finish());
            var err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "prefill: %d tokens in %.1f ms, %.1f tokens/s; decode: %d tokens in %.1f ms,"
                            + " %.2f tokens/s%s (%s weights, %s KV cache, %s)%n", g.promptTokens(), g.prefillNanos() / 1e6,
                    g.prefillTokensPerSecond(), Math.max(0, g.tokens().length - 1), g.decodeNanos() / 1e6,
                    g.decodeTokensPerSecond(), g.contextShifts() == 0 ? ""
                            : ", " + g.contextShifts() + " context shift(s) included",
                    m.network().layers().format(), kv, backend.description());
            if (run.profile) {
                err.print(g.prefill().table());
                if (g.lastStep() != null) {
                    err.print(g.lastStep().table());
                }
            }
            err.flush();
        }
        return 0;
    }

    private int[] promptIds(Tokenizer tok, GptConfig config) {
        int[] ids;
        if (promptTokens != null) {
            ids = promptTokens;
        } else if (tok == null) {
            throw new IllegalArgumentException("--prompt needs a tokenizer: --tokenizer meta.json, or --vocab and --merges"
                    + " (none beside --model " + model.model + "); or give --prompt-tokens");
        } else {
            try {
                ids = tok.encode(prompt == null ? "\n" : prompt);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--prompt: " + e.getMessage(), e);
            }
            if (tok.vocabSize() > config.vocabSize()) {
                throw new IllegalArgumentException("the tokenizer has " + tok.vocabSize() + " tokens but the model's"
                        + " vocab_size is " + config.vocabSize());
            }
        }
        String option = promptTokens != null ? "--prompt-tokens" : "--prompt";
        if (ids.length == 0) {
            throw new IllegalArgumentException(option + ": the prompt has no tokens");
        }
        for (int i = 0; i < ids.length; i++) {
            int vocab = tok == null ? config.vocabSize() : Math.min(config.vocabSize(), tok.vocabSize());
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException(option + ": token " + ids[i] + " at " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        return ids;
    }
}
