package dev.squall.cli;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.Npz;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.NormKind;
import dev.squall.engine.model.PrepBnFold;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code squall lm fold --model DIR -o OUT}: folds a PRepBN model's block norms into the linear layers after them
 * ({@link PrepBnFold}) and writes the folded model as a model directory.
 */
@Command(name = "fold", description = {"Folds the RepBN norms of a PRepBN model (\"norm\": \"prepbn\") into the"
        + " linear layers after them, for inference.",
        "--model is a model directory (model.npz, config.json, optionally meta.json) or a weights file with --config."
                + " OUT becomes a model directory: model.npz, config.json (\"norm\": \"folded\") and a copy of"
                + " meta.json when there is one. ln_f stays a RepBN (the head is tied to wte)."})
final class LmFoldCommand implements Callable<Integer> {
    /** The weights file of a model directory. */
    static final String MODEL_FILE = "model.npz";
    /** The config file of a model directory. */
    static final String CONFIG_FILE = "config.json";
    /** The tokenizer file of a model directory. */
    static final String META_FILE = "meta.json";

    @Option(names = "--model", required = true, paramLabel = "DIR|M.npz",
            description = "A model directory, or a weights file (.npz or .safetensors) with --config.")
    Path model;
    @Option(names = "--config", paramLabel = "C.json", description = "The config, when --model is a file.")
    Path config;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "The directory to write the folded model into (created if missing).")
    Path output;

    @Override
    public Integer call() {
        boolean dir = Files.isDirectory(model);
        if (dir && config != null) {
            throw new IllegalArgumentException("--config is not used with a model directory (" + model
                    + " holds its config.json); give one or the other");
        }
        if (!dir && config == null) {
            throw new IllegalArgumentException("--model (" + model + ") is not a directory; a weights file needs"
                    + " --config");
        }
        Path configFile = dir ? model.resolve(CONFIG_FILE) : config;
        Path weightsFile = dir ? model.resolve(MODEL_FILE) : model;
        GptConfig c = ModelOptions.readConfig(configFile);
        if (c.norm() != NormKind.PREPBN) {
            throw new IllegalArgumentException("--model: only a PRepBN model (\"norm\": \"prepbn\" in " + configFile
                    + ") can be folded; this one has \"" + c.norm().json() + "\"");
        }
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new IllegalArgumentException("-o (" + output + ") exists and is not a directory");
        }
        if (Files.exists(output) && output.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("-o (" + output + ") is the input model directory; choose another");
        }
        GptWeights folded = PrepBnFold.fold(ModelOptions.readWeights(weightsFile, c));
        try {
            AtomicFiles.requireWritableDirectory(output);
        } catch (IOException e) {
            throw new IllegalArgumentException("-o (" + output + "): " + e.getMessage(), e);
        }
        write(output.resolve(MODEL_FILE), () -> Npz.write(output.resolve(MODEL_FILE), folded.stateDict()));
        byte[] json = (folded.config().toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        write(output.resolve(CONFIG_FILE), () -> AtomicFiles.write(output.resolve(CONFIG_FILE), out -> out.write(json)));
        Path meta = dir ? model.resolve(META_FILE) : null;
        if (meta != null && Files.isRegularFile(meta)) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(meta);
            } catch (IOException e) {
                throw new IllegalArgumentException("--model (" + meta + "): " + IoErrors.reason(meta, e), e);
            }
            write(output.resolve(META_FILE), () -> AtomicFiles.write(output.resolve(META_FILE), out -> out.write(bytes)));
        }
        System.err.println("folded " + 2 * c.nLayer() + " norms of " + weightsFile + " into " + output);
        return 0;
    }

    private interface Write {
        void run() throws IOException;
    }

    private static void write(Path file, Write w) {
        try {
            w.run();
        } catch (IOException e) {
            throw new IllegalArgumentException("-o (" + file + "): " + e.getMessage(), e);
        }
    }
}
