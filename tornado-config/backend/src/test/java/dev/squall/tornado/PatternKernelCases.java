package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.BlockSparseAttention;
import dev.squall.tasks.attention.ClusteredAttention;
import dev.squall.tasks.attention.DenseAttention;
import dev.squall.tasks.attention.LinearAttention;
import dev.squall.tasks.attention.LinformerAttention;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.attention.ScoreMasks;
import dev.squall.tasks.attention.TopKAttention;
import dev.squall.tasks.attention.WindowAttention;
import dev.squall.tasks.testing.RandomArrays;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.squall.tornado.KernelCase.Built;
import static dev.squall.tornado.KernelCase.Output;

/**
 * The sparse, low-rank and linear attention kernels ({@code dev.squall.tasks.attention}: window, block-sparse,
 * top-k, clustered, Linformer, linear attention, and the score masks of the unfused forms), each in its
 * non-causal form on separate Q, K, V arrays and its causal form on one packed QKV projection, over a packed
 * variable-length batch: sequences of 5, 70, 1 and 19 tokens (two longer than a query block, one with more
 * keys than a {@link dev.squall.tasks.attention.KeyStream} tile, one single token), 2 heads of 8.
 */
final class PatternKernelCases {
    private static final int[] SEQ_START = {0, 5, 75, 76, 95};
    private static final int BATCH = SEQ_START.length - 1;
    private static final int TOKENS = SEQ_START[BATCH];
    private static final int MAX_LEN = 70;
    private static final int HEADS = 2;
    private static final int D = 8;
    private static final int WIDTH = HEADS * D;
    private static final String BATCH_TEXT = ", sequences 5 70 1 19, heads 2 d 8";

    private PatternKernelCases() {
    }

    /** Every case of these families. */
    static List<KernelCase> all() {
        return Stream.of(window(), blockSparse(), topK(), clustered(), linformer(), linear(), scoreMasks())
                .flatMap(List::stream).toList();
    }

    /** The non-causal form on separate arrays, the causal one on packed QKV. */
    private static QkvLayout qkv(RandomArrays r, boolean causal) {
        return causal ? QkvLayout.packed(r.gaussian(TOKENS * 3 * WIDTH), WIDTH)
                : QkvLayout.separate(r.gaussian(TOKENS * WIDTH), r.gaussian(TOKENS * WIDTH), r.gaussian(TOKENS * WIDTH),
                WIDTH);
    }

    private static String form(boolean causal) {
        return causal ? " causal, packed QKV" + BATCH_TEXT : " non-causal, separate Q K V" + BATCH_TEXT;
    }

    private static int flags(boolean causal) {
        return causal ? AttentionMask.CAUSAL : 0;
    }

    private static int queryBlockRows() {
        return QueryBlocks.rows(SEQ_START, BATCH, HEADS);
    }

    static List<KernelCase> window() {
        // [FLAGS, RADIUS, DILATIONS, GLOBALS, dilations.., globals..]: Longformer, a dilation per head, global
        // positions (global query 0 of the 70-token sequence sees more keys than a tile); causal, dilated by 2
        return List.of(
                window("W=3, dilations 1/2, globals 0 9", false, new int[] {0, 3, 2, 2, 1, 2, 0, 9}),
                window("W=4, dilation 2, global 3", true, new int[] {AttentionMask.CAUSAL, 4, 1, 1, 2, 3}));
    }

    private static KernelCase window(String what, boolean causal, int[] pattern) {
        return new KernelCase("WindowAttention.attention " + what + form(causal), r -> {
            QkvLayout qkv = qkv(r, causal);
            float[] out = new float[TOKENS * WIDTH];
            TaskGraph g = new TaskGraph("window").task("window", queryBlockRows(), WindowAttention::attention, qkv.q(),
                    qkv.k(), qkv.v(), out, SEQ_START.clone(), pattern.clone(), HEADS, D, qkv.ld(), qkv.kCol(),
                    qkv.vCol());
            return new Built(g, List.of(new Output("out", out, WIDTH)));
        });
    }

    static List<KernelCase> blockSparse() {
        return List.of(blockSparse(false), blockSparse(true));
    }

    /**
     * Blocks of 4: BigBird-like lists (a window of one block each side, block 0 global, and a scattered
     * "random" block) for every sequence but the last, which has its own list (the window only).
     */
    private static KernelCase blockSparse(boolean causal) {
        int block = 4;
        int blocks = (MAX_LEN + block - 1) / block;
        return new KernelCase("BlockSparseAttention.attention blocks of 4, BigBird-like and window lists" + form(causal),
                r -> {
                    int[] layout = layout(List.of(
                            blockRows(blocks, (i, j) -> Math.abs(i - j) <= 1 || i == 0 || j == 0 || (7 * i + 3 * j) % 5 == 0),
                            blockRows(blocks, (i, j) -> Math.abs(i - j) <= 1)), new int[] {0, 0, 0, 1});
                    QkvLayout qkv = qkv(r, causal);
                    float[] out = new float[TOKENS * WIDTH];
                    TaskGraph g = new TaskGraph("blockSparse").task("blockSparse", queryBlockRows(),
                            BlockSparseAttention::attention, qkv.q(), qkv.k(), qkv.v(), out, SEQ_START.clone(),
                            new int[] {flags(causal), block}, layout, HEADS, D, qkv.ld(), qkv.kCol(), qkv.vCol());
                    return new Built(g, List.of(new Output("out", out, WIDTH)));
                });
    }

    /** {@code blocks} block rows: row {@code i} lists the ascending key blocks {@code j} with {@code visible(i, j)}. */
    private static List<int[]> blockRows(int blocks, BiPredicate<Integer, Integer> visible) {
        List<int[]> rows = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            int row = i;
            rows.add(IntStream.range(0, blocks).filter(j -> visible.test(row, j)).toArray());
        }
        return rows;
    }

    /**
     * The kernel's {@code layout} array: a table of {@code BATCH} offsets (sequence {@code b} uses list
     * {@code listOf[b]}), then each list of block rows in CSR form, with absolute row pointers.
     */
    private static int[] layout(List<List<int[]>> lists, int[] listOf) {
        List<Integer> all = new ArrayList<>(java.util.Collections.nCopies(BATCH, 0));
        int[] offsets = new int[lists.size()];
        for (int l = 0; l < lists.size(); l++) {
            List<int[]> rows = lists.get(l);
            offsets[l] = all.size();
            int at = all.size() + rows.size() + 1;
            for (int[] row : rows) {
                all.add(at);
                at += row.length;
            }
            all.add(at);
            rows.forEach(row -> Arrays.stream(row).forEach(all::add));
        }
        for (int b = 0; b < BATCH; b++) {
            all.set(b, offsets[listOf[b]]);
        }
        return all.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<KernelCase> topK() {
        return List.of(topK(false, 3), topK(true, 67), new KernelCase("DenseAttention.scores causal, "
                + "TopKAttention.keepTopK K=5" + BATCH_TEXT, r -> {
            Scores s = scores(qkv(r, true), true);
            int rows = TOKENS * HEADS;
            int kk = 5;
            float[] masked = new float[rows * MAX_LEN];
            float[] topScore = new float[rows * kk];
            int[] topKey = new int[rows * kk];
            s.graph().task("keepTopK", rows, TopKAttention::keepTopK, s.scores(), masked, topScore, topKey,
                    new int[] {0, kk}, MAX_LEN);
            return new Built(s.graph(), List.of(new Output("masked", masked, MAX_LEN),
                    new Output("topScore", topScore, kk), Output.exact("topKey", topKey, kk)));
        }));
    }

    /** K=67 in the causal form: the late queries of the 70-token sequence keep more keys than a tile. */
    private static KernelCase topK(boolean causal, int kk) {
        return new KernelCase("TopKAttention.attention K=" + kk + form(causal), r -> {
            QkvLayout qkv = qkv(r, causal);
            float[] out = new float[TOKENS * WIDTH];
            float[] topScore = new float[TOKENS * HEADS * kk];
            int[] topKey = new int[topScore.length];
            TaskGraph g = new TaskGraph("topK").task("topK", queryBlockRows(), TopKAttention::attention, qkv.q(),
                    qkv.k(), qkv.v(), out, SEQ_START.clone(), new int[] {flags(causal), kk}, topScore, topKey, HEADS, D,
                    qkv.ld(), qkv.kCol(), qkv.vCol());
            return new Built(g, List.of(new Output("out", out, WIDTH), new Output("topScore", topScore, kk),
                    Output.exact("topKey", topKey, kk)));
        });
    }

    private static final int CLUSTERS = 3;

    /** k-means (3 clusters, 2 Lloyd steps), then the fused attention or, on dense scores, the unfused mask. */
    static List<KernelCase> clustered() {
        List<KernelCase> cases = new ArrayList<>();
        for (boolean causal : new boolean[] {false, true}) {
            cases.add(new KernelCase("ClusteredAttention.kmeans, ClusteredAttention.attention 3 clusters 2 iterations"
                    + form(causal), r -> {
                QkvLayout qkv = qkv(r, causal);
                Clusters c = kmeans(new TaskGraph("clustered"), qkv, causal);
                float[] out = new float[TOKENS * WIDTH];
                c.graph().task("attention", queryBlockRows(), ClusteredAttention::attention, qkv.q(), qkv.k(), qkv.v(),
                        out, SEQ_START.clone(), c.pattern(), c.centroids(), c.clusters(), HEADS, D, qkv.ld(),
                        qkv.kCol(), qkv.vCol());
                return new Built(c.graph(), List.of(new Output("centroids", c.centroids(), D),
                        Output.exact("clusters", c.clusters(), 1), new Output("out", out, WIDTH)));
            }));
        }
        cases.add(new KernelCase("DenseAttention.scores, ClusteredAttention.kmeans, ClusteredAttention.maskScores"
                + form(false), r -> {
            QkvLayout qkv = qkv(r, false);
            Scores s = scores(qkv, false);
            Clusters c = kmeans(s.graph(), qkv, false);
            float[] masked = new float[s.scores().length];
            c.graph().task("maskScores", TOKENS * HEADS, ClusteredAttention::maskScores, s.scores(), qkv.q(),
                    SEQ_START.clone(), c.pattern(), c.centroids(), c.clusters(), masked, HEADS, D, qkv.ld(), MAX_LEN);
            return new Built(c.graph(), List.of(Output.exact("clusters", c.clusters(), 1),
                    new Output("masked", masked, MAX_LEN)));
        }));
        return cases;
    }

    private record Clusters(TaskGraph graph, int[] pattern, float[] centroids, int[] clusters) {
    }

    private static Clusters kmeans(TaskGraph g, QkvLayout qkv, boolean causal) {
        int[] pattern = {flags(causal), CLUSTERS, 2, 12345};
        float[] centroids = new float[BATCH * HEADS * CLUSTERS * D];
        int[] clusters = new int[ClusteredAttention.clusterInts(BATCH, TOKENS, HEADS, CLUSTERS)];
        g.task("kmeans", BATCH * HEADS, ClusteredAttention::kmeans, qkv.k(), SEQ_START.clone(), pattern, centroids,
                clusters, HEADS, D, qkv.ld(), qkv.kCol());
        return new Clusters(g, pattern, centroids, clusters);
    }

    /**
     * Rank 37 (two chunks of projected rows), scaled random projections whose row {@code ρ} starts at position
     * {@code ρ mod 4} (zeros before it), so the single-token sequence and the causal prefixes see some projected
     * keys only.
     */
    static List<KernelCase> linformer() {
        int rank = 37;
        return List.of(
                new KernelCase("LinformerAttention.project, LinformerAttention.attention rank 37" + form(false), r -> {
                    QkvLayout qkv = qkv(r, false);
                    int[] pattern = linformerPattern(false, rank);
                    float[] kv = new float[BATCH * HEADS * rank * 2 * D];
                    float[] out = new float[TOKENS * WIDTH];
                    TaskGraph g = new TaskGraph("linformer")
                            .task("project", LinformerAttention.projectRows(BATCH, HEADS, rank), LinformerAttention::project,
                                    qkv.k(), qkv.v(), projections(r, pattern, rank), kv, SEQ_START.clone(), pattern,
                                    HEADS, D, qkv.ld(), qkv.kCol(), qkv.vCol())
                            .task("attention", queryBlockRows(), LinformerAttention::attention, qkv.q(), kv, out,
                                    SEQ_START.clone(), pattern, HEADS, D, qkv.ld());
                    return new Built(g, List.of(new Output("kv", kv, 2 * D), new Output("out", out, WIDTH)));
                }),
                new KernelCase("LinformerAttention.causalScan rank 37" + form(true), r -> {
                    QkvLayout qkv = qkv(r, true);
                    int[] pattern = linformerPattern(true, rank);
                    float[] kv = new float[BATCH * HEADS * rank * 2 * D];
                    float[] out = new float[TOKENS * WIDTH];
                    TaskGraph g = new TaskGraph("linformer").task("causalScan", BATCH * HEADS,
                            LinformerAttention::causalScan, qkv.q(), qkv.k(), qkv.v(), projections(r, pattern, rank), kv,
                            out, SEQ_START.clone(), pattern, HEADS, D, qkv.ld(), qkv.kCol(), qkv.vCol());
                    return new Built(g, List.of(new Output("kv", kv, 2 * D), new Output("out", out, WIDTH)));
                }));
    }

    private static int[] linformerPattern(boolean causal, int rank) {
        int[] pattern = new int[LinformerAttention.FIRST + rank];
        pattern[LinformerAttention.FLAGS] = flags(causal);
        pattern[LinformerAttention.RANK] = rank;
        pattern[LinformerAttention.SCALED] = 1;
        for (int rho = 0; rho < rank; rho++) {
            pattern[LinformerAttention.FIRST + rho] = rho % 4;
        }
        return pattern;
    }

    /** {@code E} and {@code F} by position ({@code 2·rank} values each), zero before each row's first position. */
    private static float[] projections(RandomArrays r, int[] pattern, int rank) {
        float[] proj = r.gaussian(MAX_LEN * 2 * rank);
        for (int j = 0; j < MAX_LEN; j++) {
            for (int rho = 0; rho < rank; rho++) {
                if (j < pattern[LinformerAttention.FIRST + rho]) {
                    proj[j * 2 * rank + rho] = 0f;
                    proj[j * 2 * rank + rank + rho] = 0f;
                }
            }
        }
        return proj;
    }

    static List<KernelCase> linear() {
        int stateCols = D * D + D;
        return List.of(
                new KernelCase("LinearAttention.summarise, LinearAttention.attention" + form(false), r -> {
                    QkvLayout qkv = qkv(r, false);
                    float[] state = new float[LinearAttention.stateSize(BATCH, HEADS, D)];
                    float[] out = new float[TOKENS * WIDTH];
                    TaskGraph g = new TaskGraph("linear")
                            .task("summarise", BATCH * HEADS, LinearAttention::summarise, qkv.k(), qkv.v(),
                                    SEQ_START.clone(), state, HEADS, D, qkv.ld(), qkv.kCol(), qkv.vCol())
                            .task("attention", TOKENS * HEADS, LinearAttention::attention, qkv.q(), state, out,
                                    SEQ_START.clone(), HEADS, D, qkv.ld());
                    return new Built(g, List.of(new Output("state", state, stateCols), new Output("out", out, WIDTH)));
                }),
                new KernelCase("LinearAttention.causalScan" + form(true), r -> {
                    QkvLayout qkv = qkv(r, true);
                    float[] state = new float[LinearAttention.stateSize(BATCH, HEADS, D)];
                    float[] out = new float[TOKENS * WIDTH];
                    TaskGraph g = new TaskGraph("linear").task("causalScan", BATCH * HEADS, LinearAttention::causalScan,
                            qkv.q(), qkv.k(), qkv.v(), state, out, SEQ_START.clone(), HEADS, D, qkv.ld(), qkv.kCol(),
                            qkv.vCol());
                    return new Built(g, List.of(new Output("state", state, stateCols), new Output("out", out, WIDTH)));
                }));
    }

    /** Three random boolean masks (about 70% visible), picked per (sequence, head). */
    static List<KernelCase> scoreMasks() {
        return List.of(new KernelCase("DenseAttention.scores, ScoreMasks.apply 3 masks" + form(false), r -> {
            Scores s = scores(qkv(r, false), false);
            int masks = 3;
            float[] draws = r.uniform(masks * MAX_LEN * MAX_LEN, 0, 1);
            byte[] mask = new byte[draws.length];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = (byte) (draws[i] < 0.7 ? 1 : 0);
            }
            int[] maskOf = new int[BATCH * HEADS];
            Arrays.setAll(maskOf, i -> (i * 5 + 1) % masks);
            float[] masked = new float[s.scores().length];
            s.graph().task("apply", TOKENS * HEADS, ScoreMasks::apply, s.scores(), mask, maskOf, masked,
                    SEQ_START.clone(), HEADS, MAX_LEN);
            return new Built(s.graph(), List.of(new Output("masked", masked, MAX_LEN)));
        }));
    }

    private record Scores(TaskGraph graph, float[] scores) {
    }

    /** A graph with the dense, unmasked {@code [tokens·heads, maxLen]} scores (−∞ past each sequence's end). */
    private static Scores scores(QkvLayout qkv, boolean causal) {
        float[] scores = new float[TOKENS * HEADS * MAX_LEN];
        TaskGraph g = new TaskGraph("scored").task("scores", TOKENS * HEADS, DenseAttention::scores, qkv.q(), qkv.k(),
                new float[1], scores, SEQ_START.clone(), HEADS, D, qkv.ld(), qkv.kCol(), flags(causal), MAX_LEN);
        return new Scores(g, scores);
    }
}
