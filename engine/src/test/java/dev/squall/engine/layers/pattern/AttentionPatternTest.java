package dev.squall.engine.layers.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.AttentionReference;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The patterns through the engine: the grammar (every form, its canonical text, errors naming the
 * parameter), and each pattern's fused and unfused forms on a packed variable-length batch against float64
 * dense attention with the pattern's mask, written here from the pattern's definition. The effective mask
 * (read from the unfused form) must equal that definition for the position-only patterns; BigBird's random
 * blocks and the data-dependent patterns are checked through their properties and fused/unfused agreement.
 */
class AttentionPatternTest {
    private static final JvmBackend BACKEND = new JvmBackend(2);
    /** The plain kernels, for the tests that must hold for them and for their fast paths. */
    private static final JvmBackend PLAIN = new JvmBackend(2, FastPaths.none());
    /** Lengths of the batch: mixed, with an empty and a one-token sequence. */
    private static final int[] LENGTHS = {70, 1, 0, 45, 33};

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        BACKEND.close();
        PLAIN.close();
    }

    @Test
    void everyFormParsesToItsCanonicalText() throws IOException {
        String layout = dir.resolve("layout.npy").toString();
        Npy.write(Path.of(layout), NdArray.ofBool(new byte[] {1, 0, 1, 1}, 2, 2));
        String e = dir.resolve("e.npy").toString();
        String f = dir.resolve("f.npy").toString();
        Npy.write(Path.of(e), NdArray.of(new float[6], 2, 3));
        Npy.write(Path.of(f), NdArray.of(new float[6], 2, 3));
        for (String spec : List.of("local:256", "dilated:8:2", "dilated:8:1/2/4", "longformer:64:1:0,100",
                "longformer:4:2", "block:16:" + layout, "fixed:16:4", "strided:32:8", "bigbird:64:1:2:3:42",
                "topk:32", "cluster:8:3:7", "linformer:128:5", "linformer:" + e + ":" + f, "linear")) {
            assertEquals(spec, AttentionPattern.parse(spec).spec(), spec);
        }
        assertEquals("longformer:4:2:0,3,9", AttentionPattern.parse("LONGFORMER:4:2:9,0,3,3").spec(), "sorted, deduplicated");
        assertEquals("longformer:4:2", AttentionPattern.parse("longformer:4:2:").spec());
    }

    @Test
    void badParametersAreRejectedByName() throws IOException {
        bad("local:-3", "W (window radius) must be >= 0");
        bad("dilated:4:0", "D (dilation) must be >= 1");
        bad("longformer:4:1/0", "D (dilation) must be >= 1");
        bad("longformer:4:1:-1", "global position must be >= 0");
        bad("topk:0", "K must be >= 1");
        bad("cluster:0:3:1", "C (clusters) must be >= 1");
        bad("cluster:4:-1:1", "ITERS (k-means iterations) must be >= 0");
        bad("bigbird:0:1:1:1:1", "B (block size) must be >= 1");
        bad("bigbird:16:1:1:-2:1", "R (random blocks per row) must be >= 0");
        bad("fixed:16:0", "S (stride in blocks) must be >= 1");
        bad("linformer:0:1", "R (projected length) must be >= 1");
        bad("local:x", "W (window radius) must be an integer, got 'x'");
        bad("local:3:4", "expected local:W");
        bad("swirl:3", "unknown pattern 'swirl'");
        bad("", "pattern must not be empty");
        bad("block:16:" + dir.resolve("missing.npy"), "cannot read LAYOUT");
        Path notSquare = dir.resolve("rect.npy");
        Npy.write(notSquare, NdArray.ofBool(new byte[6], 2, 3));
        bad("block:16:" + notSquare, "LAYOUT (" + notSquare + ") must be a square");

        Sequences seqs = Sequences.ofLengths(LENGTHS);
        badFit("longformer:2:1:0,70", seqs, 2, "global position 70 is out of range: the longest sequence has 70 tokens");
        badFit("longformer:2:1/2/3", seqs, 2, "3 dilations given for 2 heads");
        badFit("linformer:71:1", seqs, 2, "R=71 exceeds the longest sequence (70 tokens)");
        Path layout = dir.resolve("small.npy");
        Npy.write(layout, NdArray.ofBool(new byte[16], 4, 4));
        badFit("block:16:" + layout, seqs, 2, "covering 64 tokens, but the longest sequence has 70 (padded to a multiple of B: 80)");
    }

    private static void bad(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AttentionPattern.parse(spec), spec);
        assertTrue(e.getMessage().contains(message), "'" + spec + "' gave: " + e.getMessage());
    }

    private static void badFit(String spec, Sequences seqs, int heads, String message) {
        AttentionPattern p = AttentionPattern.parse(spec);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.check(seqs, heads), spec);
        assertTrue(e.getMessage().contains(message), "'" + spec + "' gave: " + e.getMessage());
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void positionPatternsMatchTheirDefinitions(boolean causal) throws IOException {
        Path layoutFile = dir.resolve("layout.npy");
        RandomArrays layoutRnd = RandomArrays.fresh();
        int nb = 9; // blocks of 8 covering 72 >= 70 tokens
        byte[] layoutBits = new byte[nb * nb];
        for (int i = 0; i < layoutBits.length; i++) {
            layoutBits[i] = (byte) (layoutRnd.chance(0.4) ? 1 : 0);
        }
        Npy.write(layoutFile, NdArray.ofBool(layoutBits, nb, nb));
        check("local:5", causal, (h, i, j) -> Math.abs(i - j) <= 5);
        check("local:0", causal, (h, i, j) -> i == j);
        check("local:500", causal, (h, i, j) -> true);
        check("dilated:3:4", causal, (h, i, j) -> Math.abs(i - j) <= 12 && (i - j) % 4 == 0);
        check("dilated:2:100", causal, (h, i, j) -> i == j);
        check("longformer:2:1/3:0,7,69", causal, (h, i, j) -> {
            int d = h == 0 ? 1 : 3;
            return Math.abs(i - j) <= 2 * d && (i - j) % d == 0 || List.of(0, 7, 69).contains(i) || List.of(0, 7, 69).contains(j);
        });
        check("block:8:" + layoutFile, causal, (h, i, j) -> layoutBits[i / 8 * nb + j / 8] != 0);
        check("fixed:4:3", causal, (h, i, j) -> i / 4 / 3 == j / 4 / 3 || j / 4 % 3 == 2);
        check("strided:4:3", causal, (h, i, j) -> Math.abs(i / 4 - j / 4) < 3 || (i / 4 - j / 4) % 3 == 0);
    }

    /**
     * Parameters at the edge of {@code int}: a window or stride near {@code 2^31 − N} covers the whole sequence, and
     * no arithmetic on it may wrap around (the local fast path once added the radius to a token index and lost
     * every key). Plain kernels and fast paths, fused and unfused, against the pattern's definition.
     */
    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void extremeParametersMatchTheirDefinitions(boolean causal) {
        int max = Integer.MAX_VALUE;
        int tokens = Arrays.stream(LENGTHS).sum();
        for (int w : new int[] {max, max - 70, max - tokens, max - tokens - 1, max / 2, max / 3}) {
            for (JvmBackend backend : List.of(BACKEND, PLAIN)) {
                check(backend, "local:" + w, causal, (h, i, j) -> true);
                check(backend, "dilated:" + w + ":1", causal, (h, i, j) -> true);
                check(backend, "longformer:" + w + ":1", causal, (h, i, j) -> true);
                check(backend, "dilated:" + w + ":2", causal, (h, i, j) -> (i - j) % 2 == 0);
                check(backend, "longformer:" + w + ":1/3:7", causal, (h, i, j) -> h == 0 || (i - j) % 3 == 0
                        || i == 7 || j == 7);
                check(backend, "dilated:1:" + w, causal, (h, i, j) -> i == j);
                check(backend, "dilated:" + w + ":" + w, causal, (h, i, j) -> i == j);
                check(backend, "fixed:" + w + ":" + w, causal, (h, i, j) -> true);
                check(backend, "fixed:4:" + w, causal, (h, i, j) -> true);
                check(backend, "strided:4:" + w, causal, (h, i, j) -> true);
                check(backend, "strided:" + w + ":" + w, causal, (h, i, j) -> true);
                check(backend, "bigbird:4:" + w + ":0:0:1", causal, (h, i, j) -> true);
                check(backend, "bigbird:4:0:" + w + ":0:1", causal, (h, i, j) -> true);
                check(backend, "bigbird:4:0:0:" + w + ":1", causal, (h, i, j) -> true);
                check(backend, "bigbird:" + w + ":" + w + ":" + w + ":" + w + ":1", causal, (h, i, j) -> true);
            }
        }
    }

    /** Query {@code i} sees key {@code j} in head {@code h} (positions in the sequence), causal restriction aside. */
    @FunctionalInterface
    private interface Definition {
        boolean visible(int h, int i, int j);
    }

    private static void check(String spec, boolean causal, Definition def) {
        check(BACKEND, spec, causal, def);
    }

    private static void check(JvmBackend backend, String spec, boolean causal, Definition def) {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = caseOf(rnd, causal);
        AttentionPattern pattern = AttentionPattern.parse(spec);
        Sequences seqs = new Sequences(c.seqStart(), c.maxLen());
        boolean[][][] mask = EffectiveMask.of(pattern, backend, qkv(c), seqs, c.heads(), c.d(), causal);
        for (int b = 0; b < c.batch(); b++) {
            int n = c.lengths()[b];
            for (int h = 0; h < c.heads(); h++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(def.visible(h, i, j) && (!causal || j <= i), mask[b][h][i * n + j],
                                spec + " causal=" + causal + ": effective mask of sequence " + b + " head " + h + " at (" + i + ", " + j + ")");
                    }
                }
            }
        }
        checkBothForms(backend, pattern, c, rnd, causal, (b, h, i, j) -> def.visible(h, i, j));
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void bigBirdHasWindowGlobalAndRandomBlocksReproducibly(boolean causal) {
        RandomArrays rnd = RandomArrays.fresh();
        AttentionCase c = caseOf(rnd, causal);
        Sequences seqs = new Sequences(c.seqStart(), c.maxLen());
        int block = 4;
        int window = 1;
        int globals = 2;
        int random = 3;
        AttentionPattern pattern = AttentionPattern.parse("bigbird:4:1:2:3:99");
        boolean[][][] mask = EffectiveMask.of(pattern, BACKEND, qkv(c), seqs, c.heads(), c.d(), causal);
        for (int b = 0; b < c.batch(); b++) {
            int n = c.lengths()[b];
            int nb = (n + block - 1) / block;
            for (int bi = 0; bi < nb; bi++) {
                int limit = causal ? bi + 1 : nb;
                int fixedBlocks = 0;
                int listed = 0;
                for (int bj = 0; bj < limit; bj++) {
                    boolean fixed = Math.abs(bi - bj) <= window || bi < globals || bj < globals;
                    boolean on = listed(mask[b][0], n, block, bi, bj, causal);
                    fixedBlocks += fixed ? 1 : 0;
                    listed += on ? 1 : 0;
                    assertTrue(!fixed || on, "sequence " + b + " block (" + bi + ", " + bj + ") must be listed");
                }
                assertEquals(Math.min(limit, fixedBlocks + (bi < globals ? 0 : random)), listed,
                        "sequence " + b + " block row " + bi + ": window, globals and " + random + " random blocks");
            }
            for (int h = 1; h < c.heads(); h++) {
                assertTrue(Arrays.equals(mask[b][0], mask[b][h]), "the layout is shared by all heads");
            }
        }
        boolean[][][] again = EffectiveMask.of(pattern, BACKEND, qkv(c), seqs, c.heads(), c.d(), causal);
        assertTrue(Arrays.deepEquals(mask, again), "same seed, same layout");
        boolean[][][] other = EffectiveMask.of(AttentionPattern.parse("bigbird:4:1:2:3:100"), BACKEND, qkv(c), seqs,
                c.heads(), c.d(), causal);
        assertNotEquals(Arrays.deepToString(mask), Arrays.deepToString(other), "another seed, other random blocks");
        checkBothForms(pattern, c, rnd, causal, (b, h, i, j) -> mask[b][h][i * c.lengths()[b] + j]);
    }

    /**
     * Whether block {@code (bi, bj)} is listed: any of its (query, key) pairs is visible, and then all of them
     * are (those with {@code j <= i} when causal).
     */
    private static boolean listed(boolean[] mask, int n, int block, int bi, int bj, boolean causal) {
        int any = 0;
        int all = 0;
        for (int i = bi * block; i < Math.min(n, (bi + 1) * block); i++) {
            for (int j = bj * block; j < Math.min(causal ? i + 1 : n, (bj + 1) * block); j++) {
                any += mask[i * n + j] ? 1 : 0;
                all++;
            }
        }
        assertTrue(any == 0 || any == all, "block (" + bi + ", " + bj + ") is partly visible");
        return any > 0;
    }

    /** Top-k and clusters depend on the data: their fused form must agree with the mask their unfused form applies. */
    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void dataDependentPatternsAgreeWithTheirEffectiveMask(boolean causal) {
        for (String spec : List.of("topk:1", "topk:7", "topk:100", "cluster:4:2:3", "cluster:100:1:3")) {
            RandomArrays rnd = RandomArrays.fresh();
            AttentionCase c = caseOf(rnd, causal);
            AttentionPattern pattern = AttentionPattern.parse(spec);
            Sequences seqs = new Sequences(c.seqStart(), c.maxLen());
            boolean[][][] mask = EffectiveMask.of(pattern, BACKEND, qkv(c), seqs, c.heads(), c.d(), causal);
            if (pattern instanceof TopKPattern topk) {
                for (int b = 0; b < c.batch(); b++) {
                    int n = c.lengths()[b];
                    for (int i = 0; i < n; i++) {
                        int seen = 0;
                        for (int j = 0; j < n; j++) {
                            seen += mask[b][0][i * n + j] ? 1 : 0;
                        }
                        assertEquals(Math.min(topk.k(), causal ? i + 1 : n), seen, spec + " query " + i + " of sequence " + b);
                    }
                }
            }
            checkBothForms(pattern, c, rnd, causal, (b, h, i, j) -> mask[b][h][i * c.lengths()[b] + j]);
        }
    }

    /** Linformer with E = F = I (given as files) is dense attention; both forms run its kernels. */
    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {false, true})
    void linformerWithIdentityProjectionsIsDense(boolean causal) throws IOException {
        int n = 70;
        float[] eye = new float[n * n];
        for (int i = 0; i < n; i++) {
            eye[i * n + i] = 1;
        }
        Path e = dir.resolve("eye.npy");
        Npy.write(e, NdArray.of(eye, n, n));
        RandomArrays rnd = RandomArrays.fresh();
        checkBothForms(AttentionPattern.parse("linformer:" + e + ":" + e), caseOf(rnd, causal), rnd, causal,
                (b, h, i, j) -> true);
    }

    /**
     * The approximation error of every pattern against dense attention, printed (not asserted: it depends on
     * the inputs); only a pattern that covers every key must be exact, and every error must be finite.
     */
    @Test
    void approximationErrorIsReported() {
        RandomArrays rnd = RandomArrays.fresh();
        int n = 256;
        AttentionCase c = AttentionCase.random(rnd, new AttentionCase.Shape(new int[] {n}, 2, 16), 0, false);
        Sequences seqs = new Sequences(c.seqStart(), c.maxLen());
        float[] dense = AttentionRuns.run(BACKEND, new dev.squall.engine.layers.FusedAttentionOp(), qkv(c), seqs,
                c.heads(), c.d(), false);
        for (String spec : List.of("local:16", "local:256", "dilated:8:2", "longformer:16:1:0", "fixed:16:4",
                "strided:16:4", "bigbird:16:1:1:2:1", "topk:16", "topk:256", "cluster:8:2:1", "linformer:64:1", "linear")) {
            AttentionPattern p = AttentionPattern.parse(spec);
            ApproximationError e = ApproximationError.of(AttentionRuns.run(BACKEND, p.op(EncoderBlock.Variant.FUSED),
                    qkv(c), seqs, c.heads(), c.d(), false), dense);
            System.out.printf(java.util.Locale.ROOT, "approximation error N=%d %-20s rel. Frobenius %.3e, max abs %.3e%n",
                    n, spec, e.relativeFrobenius(), e.maxAbs());
            assertTrue(Double.isFinite(e.relativeFrobenius()) && Double.isFinite(e.maxAbs()), spec);
            if (spec.equals("local:256") || spec.equals("topk:256")) {
                assertTrue(e.relativeFrobenius() < 1e-5, spec + " covers every key: " + e);
            }
        }
    }

    /** Fused and unfused forms against float64 dense attention with {@code visible}. */
    private static void checkBothForms(AttentionPattern pattern, AttentionCase c, RandomArrays rnd, boolean causal,
                                       AttentionReference.Visibility visible) {
        checkBothForms(BACKEND, pattern, c, rnd, causal, visible);
    }

    private static void checkBothForms(JvmBackend backend, AttentionPattern pattern, AttentionCase c, RandomArrays rnd,
                                       boolean causal, AttentionReference.Visibility visible) {
        AttentionReference ref = AttentionReference.of(c, visible);
        for (EncoderBlock.Variant variant : EncoderBlock.Variant.values()) {
            float[] out = run(backend, pattern, variant, c, causal);
            Tolerance.FP32.assertClose(Subject.of(pattern.spec() + " " + variant + (backend == PLAIN ? " plain" : ""),
                    c.describe(), rnd.seed())
                    .rowsOf(c.heads() * c.d()), out, ref.out(), ref.outScale());
        }
    }

    private static float[] run(JvmBackend backend, AttentionPattern pattern, EncoderBlock.Variant variant,
                               AttentionCase c, boolean causal) {
        float[] out = new float[c.outputSize()];
        QkvLayout qkv = qkv(c);
        TaskGraph g = new TaskGraph("pattern").transferToDevice(DataTransferMode.EVERY_EXECUTION, qkv.arrays().toArray());
        pattern.op(variant).addTo(g, "attention", qkv, out, new Sequences(c.seqStart(), c.maxLen()), c.heads(), c.d(), causal);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        backend.plan(g).execute();
        return out;
    }

    private static AttentionCase caseOf(RandomArrays rnd, boolean causal) {
        return AttentionCase.random(rnd, new AttentionCase.Shape(LENGTHS, 2, 8), causal ? AttentionMask.CAUSAL : 0,
                rnd.chance(0.5));
    }

    private static QkvLayout qkv(AttentionCase c) {
        return new QkvLayout(c.q(), c.k(), c.v(), c.ld(), c.kCol(), c.vCol());
    }
}
