package dev.squall.cli;

import dev.squall.engine.io.IoErrors;
import dev.squall.engine.tokenizer.CharTokenizer;
import dev.squall.engine.tokenizer.Gpt2Tokenizer;
import dev.squall.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tokenizer of {@code lm generate}: {@code --tokenizer meta.json} (characters), {@code --vocab} and
 * {@code --merges} (GPT-2 BPE), or, when none is given, a {@code meta.json} or a {@code vocab.json} +
 * {@code merges.txt} beside the model file (where nanoGPT and Hugging Face keep them).
 */
final class TokenizerOptions {
    @Option(names = "--tokenizer", paramLabel = "meta.json", description = "Character-level tokenizer (a list of characters).")
    Path meta;
    @Option(names = "--vocab", paramLabel = "vocab.json", description = "GPT-2 BPE vocabulary (with --merges).")
    Path vocab;
    @Option(names = "--merges", paramLabel = "merges.txt", description = "GPT-2 BPE merges (with --vocab).")
    Path merges;

    /** The tokenizer asked for or found beside {@code model}, or null when there is none. */
    Tokenizer tokenizer(Path model) {
        if (meta != null && (vocab != null || merges != null)) {
            throw new IllegalArgumentException("--tokenizer and --vocab/--merges are mutually exclusive");
        }
        if ((vocab == null) != (merges == null)) {
            throw new IllegalArgumentException(vocab == null ? "--merges needs --vocab" : "--vocab needs --merges");
        }
        if (meta != null) {
            return read("--tokenizer", meta, () -> CharTokenizer.read(meta));
        }
        if (vocab != null) {
            return read("--vocab/--merges", vocab, () -> Gpt2Tokenizer.read(vocab, merges));
        }
        Path dir = model.toAbsolutePath().getParent();
        if (dir == null) {
            return null;
        }
        Path m = dir.resolve("meta.json");
        if (Files.isRegularFile(m)) {
            return read("meta.json beside --model", m, () -> CharTokenizer.read(m));
        }
        Path v = dir.resolve("vocab.json");
        Path g = dir.resolve("merges.txt");
        if (Files.isRegularFile(v) && Files.isRegularFile(g)) {
            return read("vocab.json beside --model", v, () -> Gpt2Tokenizer.read(v, g));
        }
        return null;
    }

    private interface Read {
        Tokenizer read() throws IOException;
    }

    private static Tokenizer read(String what, Path file, Read read) {
        try {
            return read.read();
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " (" + file + "): " + IoErrors.reason(file, e), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " (" + file + "): " + e.getMessage(), e);
        }
    }
}
