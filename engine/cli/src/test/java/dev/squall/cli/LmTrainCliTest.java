package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.cli.train.FakeTrainer;
import dev.squall.cli.train.InitialWeights;
import dev.squall.cli.train.LossLog;
import dev.squall.cli.train.TrainingSessions;
import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.FailingOutput;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.tokenizer.CharTokenizer;
import dev.squall.engine.train.Recompute;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code squall lm train} with a stand-in trainer ({@link FakeTrainer}): the files of a run, text and token
 * batches, resume bit for bit (also after a failed checkpoint write), and bad input named with exit 2 and
 * nothing lost. {@code lm generate --model DIR} samples from the output directory.
 */
class LmTrainCliTest {
    private static final String TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\n"
            + "Speak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\n"
            + "Resolved. resolved.\n\n";
    private static final int VOCAB = CharTokenizer.fromText(TEXT).vocabSize();
    private static final GptConfig CONFIG = GptConfig.of(VOCAB, 16, 1, 2, 8, true, 0.0);

    @TempDir
    Path dir;

    private final StringWriter errors = new StringWriter();
    private FakeTrainer.Factory fake;
    private AutoCloseable binding;
    private String config;
    private String data;

    @BeforeEach
    void files() throws IOException {
        bind(-1);
        config = dir.resolve("config.json").toString();
        Files.writeString(Path.of(config), CONFIG.toJson());
        data = dir.resolve("input.txt").toString();
        Files.writeString(Path.of(data), TEXT.repeat(8));
    }

    @AfterEach
    void unbind() throws Exception {
        binding.close();
    }

    private void bind(int nanFromStep) {
        try {
            if (binding != null) {
                binding.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        fake = new FakeTrainer.Factory(nanFromStep);
        binding = TrainingSessions.bind(fake);
    }

    private int run(String... args) {
        errors.getBuffer().setLength(0);
        return Main.run(new PrintWriter(errors, true), args);
    }

    private String[] train(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("lm", "train", "--config", config, "--warmup", "2",
                "--out", out.toString(), "--eval-batches", "3"));
        args.addAll(List.of(more));
        if (!args.contains("--lr")) {
            args.addAll(List.of("--lr", "0.5"));
        }
        return args.toArray(String[]::new);
    }

    private void expectOk(String... args) {
        assertEquals(0, run(args), errors.toString());
    }

    private void expect(int exit, String fragment, String... args) {
        assertEquals(exit, run(args), errors.toString());
        assertTrue(errors.toString().contains(fragment), "expected '" + fragment + "' in: " + errors);
    }

    @Test
    void trainingOnTextWritesEveryFileAndTheLossFalls() throws IOException {
        Path out = dir.resolve("run");
        expectOk(train(out, "--data", data, "--steps", "40", "--eval-every", "10", "--batch-size", "4"));
        for (String f : List.of("model.npz", "config.json", "meta.json", "optimizer.npz", "train_state.json",
                "loss.csv", "loss.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> lines = Files.readAllLines(out.resolve("loss.csv"));
        assertEquals(LossLog.HEADER, lines.getFirst());
        assertEquals(41, lines.size());
        List<LossLog.Row> rows = LossLog.read(out.resolve("loss.csv"), 40).rows();
        for (LossLog.Row r : rows) {
            assertEquals((r.step() + 1) % 10 == 0, !Double.isNaN(r.valLoss()), "val_loss of step " + r.step());
            assertTrue(r.lr() > 0 && r.tokensPerSecond() > 0, lines.get(r.step() + 1));
        }
        assertTrue(rows.getLast().valLoss() < rows.get(9).valLoss() - 0.1, lines.toString());
        assertEquals(CONFIG, GptConfig.read(out.resolve("config.json")));
        assertEquals(CharTokenizer.fromText(TEXT).chars(), CharTokenizer.read(out.resolve("meta.json")).chars());
        assertEquals(fake.last.weights().stateDict(), Npz.read(out.resolve("model.npz")));
        // each batch: 4 windows of block_size + 1 characters of the text
        assertEquals(4 * 17, fake.last.seen.getFirst().length);
        assertTrue(errors.toString().contains("train: step 40/40 loss"), errors.toString());
        assertTrue(errors.toString().contains("40 steps in"), errors.toString());
    }

    @Test
    void textBatchesDependOnTheSeedAndStepOnly() throws IOException {
        expectOk(train(dir.resolve("a"), "--data", data, "--steps", "5", "--seed", "7"));
        List<int[]> a = fake.last.seen;
        expectOk(train(dir.resolve("b"), "--data", data, "--steps", "3", "--seed", "7", "--lr", "0.01"));
        List<int[]> b = fake.last.seen;
        expectOk(train(dir.resolve("c"), "--data", data, "--steps", "3", "--seed", "8"));
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(a.get(k), b.get(k), "step " + k);
            assertFalse(Arrays.equals(a.get(k), fake.last.seen.get(k)), "seed 8, step " + k);
        }
        assertFalse(Arrays.equals(a.get(0), a.get(1)));
    }

    @Test
    void stepKTrainsOnBatchesK() throws IOException {
        Path xs = batches(5, 3, 9, VOCAB);
        Path out = dir.resolve("run");
        expectOk(train(out, "--batches", xs.toString(), "--steps", "4"));
        int[] all = Npy.read(xs).toInts();
        for (int k = 0; k < 4; k++) {
            assertArrayEquals(Arrays.copyOfRange(all, k * 27, (k + 1) * 27), fake.last.seen.get(k), "step " + k);
        }
        assertFalse(Files.exists(out.resolve("meta.json")), "no tokenizer with --batches");
        assertEquals(5, Files.readAllLines(out.resolve("loss.csv")).size());
    }

    @Test
    void resumingContinuesBitForBit() throws IOException {
        Path xs = batches(8, 2, 17, VOCAB);
        for (String[] source : List.of(new String[] {"--data", data, "--eval-every", "2"},
                new String[] {"--batches", xs.toString()})) {
            String tag = source[0].substring(2);
            Path straight = dir.resolve(tag + "-straight");
            expectOk(train(straight, concat(source, "--steps", "8")));
            // a run that stops at step 5 (after its checkpoint at 3: the rows of steps 3 and 4 are dropped),
            // resumed in place
            Path resumed = dir.resolve(tag + "-resumed");
            bind(5);
            expect(2, "step 5:", train(resumed, concat(source, "--steps", "8", "--checkpoint-every", "3")));
            bind(-1);
            expectOk(train(resumed, concat(source, "--steps", "8", "--resume", resumed.toString())));
            assertSameRun(straight, resumed);
            assertFalse(errors.toString().contains("options differ"), errors.toString());
            // stopped at its checkpoint, resumed from there into another directory
            Path first = dir.resolve(tag + "-first");
            bind(3);
            expect(2, "step 3:", train(first, concat(source, "--steps", "8", "--checkpoint-every", "3")));
            bind(-1);
            Path elsewhere = dir.resolve(tag + "-elsewhere");
            expectOk(train(elsewhere, concat(source, "--steps", "8", "--resume", first.toString())));
            assertSameRun(straight, elsewhere);
        }
    }

    @Test
    void recomputationReachesTheTrainerAndTrainsTheSameBits() throws Exception {
        binding.close();
        TrainingSessions.Factory real = TrainingSessions.factory();
        List<Recompute> seen = new ArrayList<>();
        binding = TrainingSessions.bind((c, init, o, b, t, backend) -> {
            seen.add(o.recompute());
            return real.open(c, init, o, b, t, backend);
        });
        Path xs = batches(3, 2, 9, VOCAB);
        Path none = dir.resolve("none");
        expectOk(train(none, "--batches", xs.toString(), "--steps", "3"));
        for (String r : List.of("selective", "full")) {
            Path run = dir.resolve(r);
            expectOk(train(run, "--batches", xs.toString(), "--steps", "3", "--recompute", r));
            assertSameRun(none, run);
        }
        assertEquals(List.of(Recompute.NONE, Recompute.SELECTIVE, Recompute.FULL), seen);
        // compressed activations: a different but complete run, the codec recorded in the state file for resume
        Path int4 = dir.resolve("int4");
        expectOk(train(int4, "--batches", xs.toString(), "--steps", "3", "--act-compress", "int4"));
        assertEquals(4, Files.readAllLines(int4.resolve("loss.csv")).size());
        expect(2, "--act-compress: expected none|int8|int4|int2[:G], got 'fp8'",
                train(dir.resolve("bad"), "--batches", xs.toString(), "--steps", "3", "--act-compress", "fp8"));
        expect(2, "--recompute must be none, selective or full, got 'half'",
                train(dir.resolve("bad"), "--batches", xs.toString(), "--steps", "3", "--recompute", "half"));
    }

    @Test
    void aFailedCheckpointWriteKeepsThePreviousOne() throws Exception {
        Path out = dir.resolve("run");
        Path straight = dir.resolve("straight");
        expectOk(train(straight, "--data", data, "--steps", "6"));
        bind(3);
        expect(2, "step 3:", train(out, "--data", data, "--steps", "6", "--checkpoint-every", "3"));
        bind(-1);
        byte[] model = Files.readAllBytes(out.resolve("model.npz"));
        try (AutoCloseable hook = AtomicFiles.interceptWrites(s -> FailingOutput.after(s, 1500, "No space left"))) {
            expect(2, "cannot write " + out.resolve("model.npz") + ": no space left", train(out, "--data", data,
                    "--steps", "6", "--resume", out.toString()));
        }
        assertArrayEquals(model, Files.readAllBytes(out.resolve("model.npz")));
        expectOk(train(out, "--data", data, "--steps", "6", "--resume", out.toString()));
        assertSameRun(straight, out);
    }

    @Test
    void aNonFiniteLossStopsNamingTheStepAndKeepsTheCheckpoint() throws IOException {
        bind(5);
        Path out = dir.resolve("run");
        expect(2, "step 5: the loss is NaN; training stopped (the last good checkpoint, at step 4,",
                train(out, "--data", data, "--steps", "10", "--checkpoint-every", "2"));
        Map<String, NdArray> model = Npz.read(out.resolve("model.npz"));
        for (NdArray a : model.values()) {
            for (float f : a.toFloats()) {
                assertTrue(Float.isFinite(f));
            }
        }
        assertTrue(Files.readString(out.resolve("train_state.json")).contains("\"step\": 4,"));
        assertEquals(6, Files.readAllLines(out.resolve("loss.csv")).size(), "the header and steps 0..4");
        bind(-1);
        expectOk(train(out, "--data", data, "--steps", "10", "--resume", out.toString()));
        assertEquals(11, Files.readAllLines(out.resolve("loss.csv")).size());
        bind(1);
        expect(2, "step 1: the loss is NaN; training stopped (no checkpoint had been written", train(
                dir.resolve("run2"), "--data", data, "--steps", "3"));
        assertFalse(Files.exists(dir.resolve("run2/model.npz")));
    }

    @Test
    void badInputIsNamedAndLosesNothing() throws IOException {
        Path out = dir.resolve("run");
        Path xs = batches(3, 2, 9, VOCAB);
        expect(2, "--batches (", train(out, "--batches", batches(3, 2, 9, VOCAB + 1).toString(), "--steps", "3"));
        assertError("is outside the vocabulary [0, " + VOCAB + ")");
        expect(2, "exceed block_size + 1 = 17", train(out, "--batches", batches(3, 2, 18, VOCAB).toString(),
                "--steps", "3"));
        expect(2, "holds 3 batches but --steps is 4", train(out, "--batches", xs.toString(), "--steps", "4"));
        expect(2, "mutually exclusive", train(out, "--batches", xs.toString(), "--data", data, "--steps", "3"));
        expect(2, "--data", train(out, "--steps", "3"));
        expect(2, "--steps must be >= 1, got 0", train(out, "--data", data, "--steps", "0"));
        expect(2, "--lr must be a finite number >= 0, got -0.1", train(out, "--data", data, "--steps", "3", "--lr",
                "-0.1"));
        expect(2, "--lr-schedule: unknown value 'linear'; use constant or cosine", train(out, "--data", data,
                "--steps", "3", "--lr-schedule", "linear"));
        expect(2, "--attention: unknown value 'flash'", train(out, "--data", data, "--steps", "3", "--attention",
                "flash"));
        expect(2, "--checkpoint-every must be >= 0, got -1", train(out, "--data", data, "--steps", "3",
                "--checkpoint-every", "-1"));
        expect(2, "--eval-every needs --data", train(out, "--batches", xs.toString(), "--steps", "3", "--eval-every",
                "1"));
        expect(2, "--batch-size 3 differs", train(out, "--batches", xs.toString(), "--steps", "3", "--batch-size", "3"));
        Path file = Files.writeString(dir.resolve("file"), "x");
        expect(2, "--out", train(file, "--data", data, "--steps", "3"));
        expect(2, "--out (" + dir.resolve("no/run") + "): no such directory", train(dir.resolve("no/run"), "--data",
                data, "--steps", "3"));
        expect(2, "--data (" + dir.resolve("none.txt") + "): no such file", train(out, "--data",
                dir.resolve("none.txt").toString(), "--steps", "3"));
        assertFalse(Files.exists(out), "nothing written, not even --out, by runs with bad input");

        expectOk(train(out, "--data", data, "--steps", "3"));
        byte[] model = Files.readAllBytes(out.resolve("model.npz"));
        expect(2, "already holds a checkpoint; continue it with --resume", train(out, "--data", data, "--steps", "3"));
        Path other = dir.resolve("other.json");
        Files.writeString(other, GptConfig.of(VOCAB, 16, 1, 2, 12, true, 0.0).toJson());
        expect(2, "its checkpoint is of another model", "lm", "train", "--config", other.toString(), "--lr", "0.1",
                "--data", data, "--steps", "6", "--out", out.toString(), "--resume", out.toString());
        Path text2 = Files.writeString(dir.resolve("other.txt"), TEXT.repeat(9));
        expect(2, "trained on other data", train(out, "--data", text2.toString(), "--steps", "6", "--resume",
                out.toString()));
        expect(2, "--batch-size", train(out, "--data", data, "--steps", "6", "--batch-size", "5", "--resume",
                out.toString()));
        expect(2, "its --seed was 1337, now 5", train(out, "--data", data, "--steps", "6", "--seed", "5", "--resume",
                out.toString()));
        expect(2, "--steps (3) must be larger", train(out, "--data", data, "--steps", "3", "--resume",
                out.toString()));
        expect(2, "--init and --resume are mutually exclusive", train(out, "--data", data, "--steps", "6", "--init",
                out.resolve("model.npz").toString(), "--resume", out.toString()));
        expect(2, "--resume (" + dir.resolve("none") + "): no such directory", train(dir.resolve("fresh"), "--data",
                data, "--steps", "6", "--resume", dir.resolve("none").toString()));
        assertArrayEquals(model, Files.readAllBytes(out.resolve("model.npz")), "the checkpoint is untouched");

        Npz.write(out.resolve("model.npz"), GptWeights.random(CONFIG, 99).stateDict());
        expect(2, "model.npz is not the file train_state.json was written with", train(out, "--data", data,
                "--steps", "6", "--resume", out.toString()));
    }

    @Test
    void initialWeightsComeFromInit() throws IOException {
        GptWeights init = GptWeights.random(CONFIG, 5);
        Path m = dir.resolve("init.npz");
        Npz.write(m, init.stateDict());
        expectOk(train(dir.resolve("run"), "--data", data, "--steps", "1", "--lr", "0", "--init", m.toString()));
        assertEquals(init.stateDict(), Npz.read(dir.resolve("run/model.npz")));
        expectOk(train(dir.resolve("seeded"), "--data", data, "--steps", "1", "--lr", "0", "--seed", "3"));
        assertEquals(InitialWeights.nanoGpt(CONFIG, 3).stateDict(), Npz.read(dir.resolve("seeded/model.npz")));
        expect(2, "--init (" + dir.resolve("none.npz") + "): no such file", train(dir.resolve("run2"), "--data", data,
                "--steps", "1", "--init", dir.resolve("none.npz").toString()));
    }

    @Test
    void generateReadsTheOutputDirectory() throws IOException {
        Path out = dir.resolve("run");
        expectOk(train(out, "--data", data, "--steps", "2"));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        try {
            System.setOut(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
            expectOk("lm", "generate", "--model", out.toString(), "--prompt", "First", "--max-new-tokens", "5",
                    "--greedy");
        } finally {
            System.setOut(old);
        }
        String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("First") && text.codePointCount(0, text.length()) >= 10, text);
        expect(2, "--config is required unless --model is a directory holding config.json", "lm", "generate",
                "--model", out.resolve("model.npz").toString(), "--prompt", "First");
        expect(2, "--model (" + dir.resolve("run2/model.npz") + "): no such file", "lm", "generate", "--model",
                Files.createDirectories(dir.resolve("run2")).toString(), "--config", config, "--prompt-tokens", "1");
    }

    private void assertError(String fragment) {
        assertTrue(errors.toString().contains(fragment), "expected '" + fragment + "' in: " + errors);
    }

    /** Same loss.csv rows but tokens_per_s, same weights and optimizer state, bit for bit. */
    private static void assertSameRun(Path a, Path b) throws IOException {
        List<String> x = Files.readAllLines(a.resolve("loss.csv"));
        List<String> y = Files.readAllLines(b.resolve("loss.csv"));
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) {
            assertEquals(withoutSpeed(x.get(i)), withoutSpeed(y.get(i)), "loss.csv line " + (i + 1));
        }
        for (String f : List.of("model.npz", "optimizer.npz")) {
            assertEquals(Npz.read(a.resolve(f)), Npz.read(b.resolve(f)), f);
        }
        assertNotEquals(0, x.size());
    }

    private static String withoutSpeed(String line) {
        String[] f = line.split(",", -1);
        f[4] = "";
        return String.join(",", f);
    }

    private Path batches(int k, int b, int row, int vocab) throws IOException {
        SplittableRandom rnd = new SplittableRandom(k * 31L + row);
        int[] ids = new int[k * b * row];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        ids[ids.length - 1] = vocab - 1;
        Path p = dir.resolve("xs-" + k + "-" + b + "-" + row + "-" + vocab + ".npy");
        Npy.write(p, NdArray.of(ids, k, b, row));
        return p;
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
