package dev.squall.cli;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.Distill;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.Gradients;
import dev.squall.engine.train.Teacher;
import dev.squall.engine.train.TrainOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --teacher} on {@code lm grad} and {@code lm train}: the gradients equal the library's
 * {@link GptTrainer#distill} with the teacher's {@link GptModel} (itself checked against float64 finite differences in
 * the engine's {@code DistillTest}), file and directory forms, a quantised teacher; bad input named with exit 2.
 */
class LmDistillCliTest extends CliFiles {
    private static final GptConfig STUDENT = GptConfig.of(13, 8, 1, 2, 6, false, 0.0);
    private static final GptConfig TEACHER = GptConfig.of(13, 8, 2, 2, 8, true, 0.0);
    private static final int[] X = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 0, 0, 3, 3, 2, 11, 10, 9};   // [2, 9]

    private String model;
    private String config;
    private Path teacherDir;
    private String batch;

    @BeforeEach
    void files() throws IOException {
        model = dir.resolve("student.npz").toString();
        Npz.write(Path.of(model), GptWeights.random(STUDENT, 5).stateDict());
        config = dir.resolve("student.json").toString();
        Files.writeString(Path.of(config), STUDENT.toJson());
        teacherDir = Files.createDirectory(dir.resolve("teacher"));
        Npz.write(teacherDir.resolve("model.npz"), GptWeights.random(TEACHER, 6).stateDict());
        Files.writeString(teacherDir.resolve("config.json"), TEACHER.toJson());
        batch = dir.resolve("x.npy").toString();
        Npy.write(Path.of(batch), NdArray.of(X, 2, 9));
    }

    @Test
    void gradEqualsTheLibrarysDistillation() throws IOException {
        Path out = dir.resolve("g.npz");
        String[][] forms = {
                {"--teacher", teacherDir.toString()},
                {"--teacher", teacherDir.resolve("model.npz").toString(), "--teacher-config",
                        teacherDir.resolve("config.json").toString()}};
        for (String[] form : forms) {
            String[] args = concat(new String[] {"lm", "grad", "--model", model, "--config", config, "--batch", batch,
                    "-o", out.toString(), "--temperature", "2", "--alpha", "0.6"}, form);
            String stdout = stdout(0, args);
            Gradients want = library("fp32", 2f, 0.6f);
            assertEquals("loss: " + want.loss() + "\n", stdout);
            Map<String, NdArray> g = Npz.read(out);
            for (Map.Entry<String, NdArray> e : want.gradients().entrySet()) {
                assertArrayEquals((float[]) e.getValue().data(), g.get(e.getKey()).toFloats(), e.getKey());
            }
        }
        String stdout = stdout(0, "lm", "grad", "--model", model, "--config", config, "--batch", batch, "-o",
                out.toString(), "--teacher", teacherDir.toString(), "--teacher-weights", "q8_0");
        assertEquals("loss: " + library("q8_0", 1f, 0.5f).loss() + "\n", stdout, "a q8_0 teacher");
    }

    @Test
    void trainRunsWithATeacher() throws IOException {
        Path xs = dir.resolve("xs.npy");
        int[] all = new int[3 * X.length];
        for (int k = 0; k < 3; k++) {
            System.arraycopy(X, 0, all, k * X.length, X.length);
        }
        Npy.write(xs, NdArray.of(all, 3, 2, 9));
        Path out = dir.resolve("run");
        stdout(0, "lm", "train", "--config", config, "--batches", xs.toString(), "--steps", "3", "--lr", "0.01",
                "--out", out.toString(), "--teacher", teacherDir.toString(), "--alpha", "0.5", "--temperature", "2");
        assertTrue(Files.exists(out.resolve("model.npz")));
    }

    @Test
    void badTeacherInputExitsTwo() throws IOException {
        Path out = dir.resolve("g.npz");
        GptConfig otherVocab = GptConfig.of(14, 8, 1, 2, 6, false, 0.0);
        Path other = Files.createDirectory(dir.resolve("other"));
        Npz.write(other.resolve("model.npz"), GptWeights.random(otherVocab, 1).stateDict());
        Files.writeString(other.resolve("config.json"), otherVocab.toJson());
        String[] grad = {"lm", "grad", "--model", model, "--config", config, "--batch", batch, "-o", out.toString()};
        expect(2, "--teacher: its vocab_size 14 differs from the student's 13", concat(grad, "--teacher",
                other.toString()));
        String missing = dir.resolve("missing.npz").toString();
        expect(2, "--teacher (" + missing + "): no such file", concat(grad, "--teacher", missing, "--teacher-config",
                teacherDir.resolve("config.json").toString()));
        expect(2, "--teacher-config is required", concat(grad, "--teacher", teacherDir.resolve("model.npz")
                .toString()));
        expect(2, "--teacher-config (" + missing + ")", concat(grad, "--teacher", teacherDir.toString(),
                "--teacher-config", missing));
        expect(2, "--alpha must be in [0, 1], got 1.5", concat(grad, "--teacher", teacherDir.toString(), "--alpha",
                "1.5"));
        expect(2, "--temperature must be a finite number > 0", concat(grad, "--teacher", teacherDir.toString(),
                "--temperature", "0"));
        expect(2, "need --teacher", concat(grad, "--alpha", "0.5"));
        expect(2, "--teacher-weights", concat(grad, "--teacher", teacherDir.toString(), "--teacher-weights", "q3"));
        Path xs = dir.resolve("xs.npy");
        Npy.write(xs, NdArray.of(X, 1, 2, 9));
        expect(2, "--teacher: its vocab_size 14", "lm", "train", "--config", config, "--batches", xs.toString(),
                "--steps", "1", "--lr", "0.01", "--out", dir.resolve("r").toString(), "--teacher", other.toString());
        assertTrue(!Files.exists(out), "nothing written");
        assertTrue(!Files.exists(dir.resolve("r")), "no --out created");
    }

    private Gradients library(String format, float tau, float alpha) throws IOException {
        try (JvmBackend backend = new JvmBackend(1);
             GptModel teacher = GptModel.of(GptWeights.random(TEACHER, 6),
                     GptModel.Options.defaults().withBackend(backend).withWeights(format));
             GptTrainer t = new GptTrainer(GptWeights.random(STUDENT, 5), TrainOptions.defaults(1), backend, 2, 8)) {
            return t.distill(new Distill(Teacher.of(teacher), tau, alpha)).gradients(X);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private void expect(int exit, String message, String... args) {
        stdout(exit, args);
        assertError(message);
    }
}
