package dev.squall.cli;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.FusedAttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.UnfusedAttention;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code squall op attention Q K V -o OUT [--causal] [--fused] [--pattern P [--mask-out M.npy]]}. */
@Command(name = "attention", description = {"Attention, softmax(Q·Kᵀ/√D)·V per head.",
        "Q, K, V shaped [H, N, D] or [B, H, N, D]; the output has the shape of Q."})
final class AttentionCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "Q.npy")
    Path q;
    @Parameters(index = "1", paramLabel = "K.npy")
    Path k;
    @Parameters(index = "2", paramLabel = "V.npy")
    Path v;
    @Option(names = "--causal", description = "Query i attends only to keys j <= i.")
    boolean causal;
    @Option(names = "--fused", description = "FlashAttention-style kernel (no N×N buffer) instead of the unfused three steps.")
    boolean fused;
    @Option(names = "--pattern", paramLabel = "PATTERN", description = {"Sparse, low-rank or linear attention: "
            + PatternAttention.GRAMMAR + ". With --fused its kernel, else dense scores with its mask."})
    String pattern;
    @Option(names = "--mask-out", paramLabel = "M.npy",
            description = "With --pattern: write the effective boolean mask, [H, N, N] or [B, H, N, N] as Q.")
    Path maskOut;
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        NdArray qa = Inputs.read("Q", q);
        NdArray ka = Inputs.read("K", k);
        NdArray va = Inputs.read("V", v);
        Inputs.rank("Q", qa, 3, 4);
        Inputs.sameShape("Q", qa, "K", ka);
        Inputs.sameShape("Q", qa, "V", va);
        float[] qv = Inputs.floats("Q", qa); // an empty Q (N = 0, D = 0, ...) is an error here
        float[] kv = Inputs.floats("K", ka);
        float[] vv = Inputs.floats("V", va);
        int n = qa.dim(-2);
        int d = qa.dim(-1);
        int sequences = Math.toIntExact(qa.size() / ((long) n * d)); // B·H: each head is its own sequence
        if (pattern != null || maskOut != null) {
            if (pattern == null) {
                throw new IllegalArgumentException("--mask-out needs --pattern");
            }
            Inputs.write(output.file, PatternAttention.run(pattern, qa.shape(), qv, kv, vv, causal, fused, maskOut, run),
                    qa.shape());
            return 0;
        }
        if (!fused) {
            checkUnfusedFits(Sequences.uniform(sequences, n), 4L * (qv.length + kv.length + vv.length + qv.length));
        }
        float[] out = new float[qv.length];
        AttentionOp op = fused ? new FusedAttentionOp() : new UnfusedAttention();
        TaskGraph g = new TaskGraph("attention").transferToDevice(DataTransferMode.EVERY_EXECUTION, qv, kv, vv);
        op.addTo(g, "attention", QkvLayout.separate(qv, kv, vv, d), out, Sequences.uniform(sequences, n), 1, d, causal);
        run.runAndWrite(g, out, output.file, qa.shape());
        return 0;
    }

    /**
     * Refuses, before allocating them, score matrices that cannot fit: more elements than a Java array holds, or
     * more bytes than the heap has beside the {@code otherBytes} of Q, K, V and the output.
     */
    private static void checkUnfusedFits(Sequences seqs, long otherBytes) {
        long need = UnfusedAttention.scoreBytes(seqs, 1);
        long heap = Runtime.getRuntime().maxMemory();
        boolean array = need / (2L * Float.BYTES) > Integer.MAX_VALUE - 8;
        if (array || need > heap - otherBytes) {
            throw new IllegalArgumentException("the unfused form (without --fused) materialises "
                    + UnfusedAttention.describeScores(seqs, 1) + ", " + (array ? "more than a Java array holds"
                    : String.format(java.util.Locale.ROOT, "more than the Java heap (at most %.1f GiB) can hold",
                    heap / (double) (1L << 30))) + ": use --fused (FlashAttention-style, no N×N matrix), a sparse"
                    + " --pattern" + (array ? " or shorter sequences" : ", shorter sequences or a larger heap"
                    + " (SQUALL_JAVA_OPTS=-Xmx...)"));
        }
    }
}
