package dev.squall.cli;

import dev.squall.cli.train.Checkpoint;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.model.GptCheckpoint;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.Distill;
import dev.squall.engine.train.Teacher;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Knowledge-distillation flags of {@code lm train} and {@code lm grad}: a teacher model run forward on each batch's
 * inputs; the loss becomes {@code alpha·τ²·KL(teacher ‖ student) + (1 − alpha)·cross-entropy}.
 */
final class TeacherOptions {
    @Option(names = "--teacher", paramLabel = "T.npz|DIR", description = "Distil from this teacher: weights (.npz or"
            + " .safetensors) or a directory of squall lm train (model.npz, config.json). Same vocabulary as the"
            + " student; any depth and width.")
    Path teacher;
    @Option(names = "--teacher-config", paramLabel = "TC.json", description = "The teacher's config (default with"
            + " --teacher DIR: DIR/config.json).")
    Path teacherConfig;
    @Option(names = "--teacher-weights", paramLabel = "FORMAT", description = "Run the teacher's linear layers in"
            + " this weight format, as --weights of lm logits (default: fp32).")
    String teacherWeights;
    @Option(names = "--temperature", paramLabel = "TAU", description = "Distillation temperature (default: 1).")
    Float temperature;
    @Option(names = "--alpha", paramLabel = "A", description = "Weight of the distillation term in [0, 1] (default:"
            + " 0.5).")
    Float alpha;

    /** Whether {@code --teacher} was given; the other distillation flags without it are an error. */
    boolean given() {
        if (teacher == null && (teacherConfig != null || teacherWeights != null || temperature != null
                || alpha != null)) {
            throw new IllegalArgumentException("--teacher-config, --teacher-weights, --temperature and --alpha need"
                    + " --teacher");
        }
        return teacher != null;
    }

    /** The teacher model on {@code backend} (not closed with it), checked against the student's {@code config}. */
    GptModel load(GptConfig student, Backend backend) {
        return model(read(student), backend);
    }

    /** The teacher's weights, checked against the student's config and the other flags (nothing run yet). */
    GptWeights read(GptConfig student) {
        float tau = temperature == null ? 1f : temperature;
        float a = alpha == null ? 0.5f : alpha;
        if (!(tau > 0) || !Float.isFinite(tau)) {
            throw new IllegalArgumentException("--temperature must be a finite number > 0, got " + tau);
        }
        if (!(a >= 0 && a <= 1)) {
            throw new IllegalArgumentException("--alpha must be in [0, 1], got " + a);
        }
        boolean dir = Files.isDirectory(teacher);
        if (teacherConfig == null && !dir) {
            throw new IllegalArgumentException("--teacher-config is required unless --teacher is a directory holding "
                    + Checkpoint.CONFIG);
        }
        Path configFile = teacherConfig != null ? teacherConfig : teacher.resolve(Checkpoint.CONFIG);
        GptConfig c;
        try {
            c = GptConfig.read(configFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("--teacher-config (" + configFile + "): "
                    + IoErrors.reason(configFile, e), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--teacher-config: " + e.getMessage(), e);
        }
        if (c.vocabSize() != student.vocabSize()) {
            throw new IllegalArgumentException("--teacher: its vocab_size " + c.vocabSize() + " differs from the"
                    + " student's " + student.vocabSize() + " (teacher and student must share the vocabulary)");
        }
        if (c.blockSize() < student.blockSize()) {
            throw new IllegalArgumentException("--teacher: its block_size " + c.blockSize() + " is shorter than the"
                    + " student's " + student.blockSize());
        }
        Path file = dir ? teacher.resolve(Checkpoint.MODEL) : teacher;
        GptWeights w;
        try {
            w = GptCheckpoint.read(file, c);
        } catch (IOException e) {
            throw new IllegalArgumentException("--teacher (" + file + "): " + IoErrors.reason(file, e), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--teacher: " + e.getMessage(), e);
        }
        options(null);
        return w;
    }

    /** The teacher model of {@code w} ({@link #read}) on {@code backend}. */
    GptModel model(GptWeights w, Backend backend) {
        return GptModel.of(w, options(backend));
    }

    private GptModel.Options options(Backend backend) {
        GptModel.Options o = GptModel.Options.defaults().withBackend(backend);
        if (teacherWeights != null) {
            try {
                o = o.withWeights(teacherWeights);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--teacher-weights: " + e.getMessage(), e);
            }
        }
        return o;
    }

    /** The distillation settings with {@code model} as the teacher. */
    Distill distill(GptModel model) {
        return new Distill(Teacher.of(model), temperature == null ? 1f : temperature, alpha == null ? 0.5f : alpha);
    }
}
