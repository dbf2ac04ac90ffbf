package dev.squall.engine.layers.pattern;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;

/** Runs one attention step on its own, as the CLI, the error report and the benchmarks do. */
public final class AttentionRuns {
    private AttentionRuns() {
    }

    /** A graph computing {@code op} on {@code qkv}: inputs in on every execution, the output back. */
    public static TaskGraph graph(AttentionOp op, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                                  boolean causal) {
        TaskGraph g = new TaskGraph("attention").transferToDevice(DataTransferMode.EVERY_EXECUTION, qkv.arrays().toArray());
        op.addTo(g, "attention", qkv, out, seqs, heads, headDim, causal);
        return g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
    }

    /** Runs {@code op} once on {@code backend} and returns the {@code [tokens, heads·headDim]} output. */
    public static float[] run(Backend backend, AttentionOp op, QkvLayout qkv, Sequences seqs, int heads, int headDim,
                              boolean causal) {
        float[] out = new float[Math.multiplyExact(seqs.tokens(), heads * headDim)];
        backend.plan(graph(op, qkv, out, seqs, heads, headDim, causal)).execute();
        return out;
    }
}
