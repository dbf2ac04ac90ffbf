package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.cli.train.InitialWeights;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.train.GptTrainer;
import dev.squall.engine.train.TrainOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code squall lm train --micro-batches M} on the training library: the library's micro-batched steps, bit for bit. */
class LmTrainMicroBatchTest {
    private static final GptConfig CONFIG = GptConfig.of(13, 8, 2, 2, 8, true, 0.0);
    private static final int STEPS = 3;
    private static final int B = 4;
    private static final int ROW = 9;

    @TempDir
    Path dir;

    private final StringWriter errors = new StringWriter();

    private int run(String... args) {
        errors.getBuffer().setLength(0);
        return Main.run(new PrintWriter(errors, true), args);
    }

    @Test
    void microBatchedRunIsTheLibrarysMicroBatchedTraining() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, CONFIG.toJson());
        SplittableRandom rnd = new SplittableRandom(7);
        int[] ids = new int[STEPS * B * ROW];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(CONFIG.vocabSize());
        }
        Path xs = dir.resolve("xs.npy");
        Npy.write(xs, NdArray.of(ids, STEPS, B, ROW));
        Path out = dir.resolve("run");
        assertEquals(0, run("lm", "train", "--config", config.toString(), "--batches", xs.toString(), "--steps",
                String.valueOf(STEPS), "--lr", "0.01", "--warmup", "1", "--micro-batches", "2", "--out",
                out.toString(), "--threads", "1"), errors.toString());

        GptWeights w = InitialWeights.nanoGpt(CONFIG, 1337);
        TrainOptions o = new TrainOptions(0.01, 0.001, 0.1, 0.9, 0.95, 1e-8, 1.0, 1, STEPS,
                TrainOptions.Schedule.COSINE, TrainOptions.Attention.FUSED, 1337);
        try (JvmBackend backend = new JvmBackend(1); GptTrainer t = new GptTrainer(w, o, backend, B, ROW - 1, 2)) {
            for (int k = 0; k < STEPS; k++) {
                t.step(Arrays.copyOfRange(ids, k * B * ROW, (k + 1) * B * ROW));
            }
        }
        Map<String, NdArray> saved = Npz.read(out.resolve("model.npz"));
        for (var e : w.tensors().entrySet()) {
            assertArrayEquals((float[]) e.getValue().data(), (float[]) saved.get(e.getKey()).data(), e.getKey());
        }
    }

    private Path batches() throws IOException {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] ids = new int[5 * B * ROW];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(CONFIG.vocabSize());
        }
        Path xs = dir.resolve("xs5.npy");
        Npy.write(xs, NdArray.of(ids, 5, B, ROW));
        return xs;
    }

    private String[] train(Path config, Path xs, Path out, String steps, String... more) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("lm", "train", "--config",
                config.toString(), "--batches", xs.toString(), "--steps", steps, "--lr", "0.01", "--warmup", "1",
                "--lr-schedule", "constant", "--micro-batches", "2", "--threads", "1", "--out", out.toString()));
        a.addAll(java.util.List.of(more));
        return a.toArray(String[]::new);
    }

    private static void assertSameWeights(Path a, Path b) throws IOException {
        for (String f : new String[] {"model.npz", "optimizer.npz"}) {
            assertEquals(Npz.read(a.resolve(f)), Npz.read(b.resolve(f)), f);
        }
    }

    @Test
    void pipelineStagesAreBitIdenticalToOneStageAndResume() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, CONFIG.toJson());
        Path xs = batches();
        Path single = dir.resolve("single");
        assertEquals(0, run(train(config, xs, single, "4")), errors.toString());
        for (String schedule : new String[] {"gpipe", "1f1b"}) {
            Path piped = dir.resolve("piped-" + schedule);
            assertEquals(0, run(train(config, xs, piped, "4", "--pipeline-stages", "2", "--schedule", schedule)),
                    errors.toString());
            assertTrue(errors.toString().contains("bubble per stage"), errors.toString());
            assertTrue(errors.toString().contains("boundary bytes per step " + 2 * 2 * (B / 2) * (ROW - 1)
                    * CONFIG.nEmbd() * 4), errors.toString());
            assertSameWeights(single, piped);
        }
        // two steps as 2 stages, then resumed as 2 stages of another split: the straight run's bits
        Path resumed = dir.resolve("resumed");
        assertEquals(0, run(train(config, xs, resumed, "2", "--pipeline-stages", "2")), errors.toString());
        assertEquals(0, run(train(config, xs, resumed, "4", "--pipeline-stages", "2", "--stage-layers", "1,1",
                "--resume", resumed.toString())), errors.toString());
        assertSameWeights(single, resumed);
    }

    @Test
    void badPipelineFlagsAreNamed() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, CONFIG.toJson());
        Path xs = batches();
        String[][] cases = {{"--pipeline-stages", "3"}, {"--pipeline-stages", "2", "--stage-layers", "2,1"},
                {"--pipeline-stages", "2", "--schedule", "zigzag"}, {"--pipeline-stages", "2", "--stage-layers", "x,1"}};
        String[] names = {"--pipeline-stages", "--stage-layers", "--schedule", "--stage-layers"};
        for (int i = 0; i < cases.length; i++) {
            assertEquals(2, run(train(config, xs, dir.resolve("bad" + i), "1", cases[i])), errors.toString());
            assertTrue(errors.toString().contains(names[i]), errors.toString());
        }
    }

    @Test
    void microBatchesMustDivideTheBatch() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, CONFIG.toJson());
        Path xs = dir.resolve("xs.npy");
        Npy.write(xs, NdArray.of(new int[STEPS * B * ROW], STEPS, B, ROW));
        for (String m : new String[] {"3", "0"}) {
            assertEquals(2, run("lm", "train", "--config", config.toString(), "--batches", xs.toString(), "--steps",
                    "1", "--lr", "0.01", "--micro-batches", m, "--out", dir.resolve("bad").toString()), errors.toString());
            assertTrue(errors.toString().contains("--micro-batches"), errors.toString());
        }
    }
}
