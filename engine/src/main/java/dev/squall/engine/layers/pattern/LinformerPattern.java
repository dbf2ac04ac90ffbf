package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.LinformerAttention;
import dev.squall.tasks.attention.QueryBlocks;

import java.util.SplittableRandom;

/**
 * {@code linformer:R:SEED} and {@code linformer:E.npy:F.npy}: keys and values projected along the sequence
 * to {@code R} rows, {@code K' = E·K}, {@code V' = F·V}, and every query attends to the projections; cost
 * {@code O(n·R·d)}. Projections have one column per position: a sequence of {@code n} tokens uses the first
 * {@code n} (as zero padding would); the same {@code E, F} serve every sequence and head.
 * <ul>
 *   <li>Seeded: row {@code ρ} of {@code E} is the stream of standard normal draws of
 *       {@code SplittableRandom(SEED + (2ρ + 1)·φ)} ({@code φ = 0x9E3779B97F4A7C15}), of {@code F} that of
 *       {@code SplittableRandom(SEED + (2ρ + 2)·φ)}, column {@code j} the {@code j}-th draw (so a column does not
 *       depend on the batch), scaled by {@code 1/√n} for a sequence of {@code n} tokens so that a projected key
 *       has the size of one key. {@code R} may not exceed the longest sequence.</li>
 *   <li>Given: {@code E} and {@code F} are {@code [R, N]} with {@code R ≤ N} and {@code N} at least the longest
 *       sequence, used as they are.</li>
 * </ul>
 * Projected key {@code ρ} is seen from the first position its row of {@code E} reads; the causal form
 * projects the prefix {@code j ≤ i} only (see {@link LinformerAttention}). With {@code E = F = I} it is dense
 * attention. The unfused form runs the same kernels: there is no {@code n × n} mask to materialise.
 *
 * @param rank    projected length {@code R}
 * @param seed    seed of the random projections (seeded form)
 * @param e       given {@code E} ({@code [R, columns]}, row-major) or null (seeded form)
 * @param f       given {@code F}, or null
 * @param columns columns of the given projections (0 for the seeded form)
 * @param source  {@code E.npy:F.npy} for {@link #spec()} (given form), or null
 */
public record LinformerPattern(int rank, long seed, float[] e, float[] f, int columns, String source)
        implements AttentionPattern {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** Checks the rank and the projections' shapes. */
    public LinformerPattern {
        PatternParser.require(rank >= 1, "linformer", "R (projected length) must be >= 1, got " + rank);
        if (e != null) {
            PatternParser.require(f != null && e.length == (long) rank * columns && f.length == e.length, "linformer",
                    "E and F must both be [R, N]");
            PatternParser.require(rank <= columns, "linformer", "E and F are [" + rank + ", " + columns
                    + "]: more rows than columns is not a low-rank projection");
        }
    }

    /** Seeded random projections to {@code rank} rows. */
    public static LinformerPattern seeded(int rank, long seed) {
        return new LinformerPattern(rank, seed, null, null, 0, null);
    }

    /** Given projections {@code e} and {@code f}, each {@code [rank, columns]} row-major; {@code source} names them. */
    public static LinformerPattern given(float[] e, float[] f, int rank, int columns, String source) {
        return new LinformerPattern(rank, 0, e, f, columns, source);
    }

    @Override
    public String spec() {
        return "linformer:" + (e == null ? rank + ":" + seed : source);
    }

    @Override
    public void check(Sequences seqs, int heads) {
        if (e == null) {
            PatternParser.require(rank <= seqs.maxLen(), "linformer", "R=" + rank + " exceeds the longest sequence ("
                    + seqs.maxLen() + " tokens): projecting to more rows than tokens is not low-rank");
        } else {
            PatternParser.require(columns >= seqs.maxLen(), "linformer", "E and F have " + columns
                    + " columns, but the longest sequence has " + seqs.maxLen() + " tokens");
        }
    }

    /**
     * The kernel's {@code proj}: for each of {@code positions} positions {@code j}, column {@code j} of
     * {@code E} then of {@code F} ({@code 2R} values).
     */
    float[] projections(int positions) {
        float[] proj = new float[Math.multiplyExact(2 * rank, positions)];
        for (int m = 0; m < 2; m++) {
            for (int rho = 0; rho < rank; rho++) {
                SplittableRandom rnd = e == null ? new SplittableRandom(seed + (2L * rho + m + 1) * GOLDEN) : null;
                float[] given = m == 0 ? e : f;
                for (int j = 0; j < positions; j++) {
                    proj[j * 2 * rank + m * rank + rho] = rnd != null ? (float) rnd.nextGaussian() : given[rho * columns + j];
                }
            }
        }
        return proj;
    }

    /** The kernel descriptor, with each row's first non-zero position of {@code E} in {@code proj} ({@code positions} if none). */
    int[] descriptor(boolean causal, int positions, float[] proj) {
        int[] pattern = new int[LinformerAttention.FIRST + rank];
        pattern[LinformerAttention.FLAGS] = causal ? AttentionMask.CAUSAL : 0;
        pattern[LinformerAttention.RANK] = rank;
        pattern[LinformerAttention.SCALED] = e == null ? 1 : 0;
        for (int rho = 0; rho < rank; rho++) {
            int first = 0;
            while (first < positions && proj[first * 2 * rank + rho] == 0f) {
                first++;
            }
            pattern[LinformerAttention.FIRST + rho] = first;
        }
        return pattern;
    }

    @Override
    public void addFused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                         boolean causal) {
        int positions = e == null ? seqs.maxLen() : columns;
        float[] proj = projections(positions);
        int[] pattern = descriptor(causal, positions, proj);
        float[] kv = new float[Math.multiplyExact(seqs.batch() * heads * rank, 2 * headDim)];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, seqs.starts(), pattern, proj);
        if (causal) {
            g.task(name, seqs.batch() * heads, LinformerAttention::causalScan, qkv.q(), qkv.k(), qkv.v(), proj, kv, out,
                    seqs.starts(), pattern, heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol());
        } else {
            g.task(name + ".project", LinformerAttention.projectRows(seqs.batch(), heads, rank), LinformerAttention::project, qkv.k(), qkv.v(), proj,
                    kv, seqs.starts(), pattern, heads, headDim, qkv.ld(), qkv.kCol(), qkv.vCol());
            g.task(name, QueryBlocks.rows(seqs.starts(), seqs.batch(), heads), LinformerAttention::attention, qkv.q(),
                    kv, out, seqs.starts(), pattern, heads, headDim, qkv.ld());
        }
    }

    @Override
    public void addUnfused(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                           boolean causal) {
        addFused(g, name, qkv, out, seqs, heads, headDim, causal);
    }
}
