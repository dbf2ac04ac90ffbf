package dev.squall.cli.train;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.Json;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.model.GptCheckpoint;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.tokenizer.CharTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training run's directory: {@code model.npz} (nanoGPT names), {@code config.json}, {@code meta.json} (the
 * character tokenizer, with {@code --data}), {@code optimizer.npz}, {@code loss.csv}, {@code loss.png}, and
 * {@code train_state.json} (step, options, data identity, and the SHA-256 of the model and optimizer files).
 * Every file is replaced whole ({@link AtomicFiles}), the train state last: a crash while writing leaves each
 * file either old or new, and a resume whose model or optimizer file does not match the train state's digests
 * is refused instead of continuing from a mix of two checkpoints.
 */
public final class Checkpoint {
    /** The weights, as {@code lm generate --model DIR} reads them. */
    public static final String MODEL = "model.npz";
    /** The config. */
    public static final String CONFIG = "config.json";
    /** The character tokenizer. */
    public static final String META = "meta.json";
    /** AdamW's state. */
    public static final String OPTIMIZER = "optimizer.npz";
    /** The loss of every step. */
    public static final String LOSS_CSV = "loss.csv";
    /** The loss curve. */
    public static final String LOSS_PNG = "loss.png";
    /** Step, options, data identity, digests; written last. */
    public static final String STATE = "train_state.json";
    private static final int FORMAT = 1;

    /**
     * What a checkpoint read back holds.
     *
     * @param step      steps taken
     * @param weights   the model after them
     * @param optimizer the optimizer's state after them
     * @param state     the train state's fields ({@code step}, {@code batch_size}, {@code tokens_per_row},
     *                  {@code data}, {@code options}, {@code files})
     * @param log       the first {@code step} rows of its {@code loss.csv}
     */
    public record Saved(int step, GptWeights weights, Map<String, NdArray> optimizer, Map<String, Object> state,
                        LossLog log) {
    }

    private Checkpoint() {
    }

    /** Writes the checkpoint after {@code step} steps into {@code dir}. */
    public static void write(Path dir, int step, TrainingSession session, BatchSource data, TrainOptions options,
                             LossLog log) throws IOException {
        GptWeights weights = session.weights();
        GptConfig config = weights.config();
        writeText(dir.resolve(CONFIG), config.toJson() + "\n");
        CharTokenizer tokenizer = data.tokenizer();
        if (tokenizer != null) {
            tokenizer.write(dir.resolve(META));
        }
        Npz.write(dir.resolve(MODEL), weights.stateDict());
        Npz.write(dir.resolve(OPTIMIZER), session.optimizerState());
        log.write(dir.resolve(LOSS_CSV));
        LossChart.write(dir.resolve(LOSS_PNG), log.rows(), "squall lm train: " + config.nLayer() + " layers, "
                + config.nEmbd() + " wide, " + step + " steps");
        Map<String, Object> files = new LinkedHashMap<>();
        files.put(MODEL, FileDigest.sha256(dir.resolve(MODEL)));
        files.put(OPTIMIZER, FileDigest.sha256(dir.resolve(OPTIMIZER)));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("format", FORMAT);
        state.put("step", step);
        state.put("batch_size", data.batchSize());
        state.put("tokens_per_row", data.tokensPerRow());
        state.put("data", data.identity());
        state.put("options", options.toMap());
        state.put("files", files);
        writeText(dir.resolve(STATE), Json.write(state) + "\n");
    }

    /** Whether {@code dir} holds a checkpoint (its train state or weights). */
    public static boolean exists(Path dir) {
        return Files.exists(dir.resolve(STATE)) || Files.exists(dir.resolve(MODEL));
    }

    /**
     * Reads the checkpoint in {@code dir} ({@code --resume}), which must be of {@code config}.
     *
     * @throws IllegalArgumentException naming {@code --resume} and the file: missing, damaged, of another config,
     *                                  or not the files the train state was written with
     */
    public static Saved read(Path dir, GptConfig config) {
        String where = "--resume (" + dir + ")";
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(where + ": no such directory");
        }
        try {
            Map<String, Object> state = Json.parseObject(Files.readString(dir.resolve(STATE)), STATE);
            GptConfig saved = GptConfig.read(dir.resolve(CONFIG));
            if (!saved.equals(config)) {
                throw new IllegalArgumentException(where + ": its checkpoint is of another model (" + CONFIG + ": "
                        + saved.toJson() + "; --config: " + config.toJson() + ")");
            }
            if (!(state.get("step") instanceof Long step) || step < 1 || step > Integer.MAX_VALUE
                    || !(state.get("files") instanceof Map<?, ?> files)) {
                throw new IllegalArgumentException(where + ": " + STATE + " is not a train state of squall lm train");
            }
            for (String name : new String[] {MODEL, OPTIMIZER}) {
                if (!FileDigest.sha256(dir.resolve(name)).equals(files.get(name))) {
                    throw new IllegalArgumentException(where + ": " + name + " is not the file " + STATE + " was"
                            + " written with (a crash while writing the checkpoint, or a copy from elsewhere)");
                }
            }
            GptWeights weights = GptCheckpoint.readNpz(dir.resolve(MODEL), config);
            Map<String, NdArray> optimizer = Npz.read(dir.resolve(OPTIMIZER));
            LossLog log = LossLog.read(dir.resolve(LOSS_CSV), (int) (long) step);
            return new Saved((int) (long) step, weights, optimizer, state, log);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(where + ": no " + Path.of(e.getFile()).getFileName() + " (not a"
                    + " checkpoint of squall lm train, or an incomplete one)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": " + IoErrors.reason(e), e);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(where) ? e : new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static void writeText(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
