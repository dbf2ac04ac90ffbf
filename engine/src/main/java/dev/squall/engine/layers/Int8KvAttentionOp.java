package dev.squall.engine.layers;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.quant.Int8KvAttention;

/**
 * Attention over an int8 key/value cache ({@link Int8KvAttention}): the keys and values of every token are
 * quantised per (token, head) into int8 caches with one fp32 scale each, and the attention task reads the
 * caches directly, one (query, head) per parallel row with an online softmax. The caches are a quarter of the
 * fp32 keys and values (plus 8 bytes per token and head); in a decoder the same caches would be appended to at
 * each step. Plug into a block with {@code EncoderBlock.build(variant, seqs, new Int8KvAttentionOp())}, or run
 * {@code squall op block ... --kv-cache int8}.
 */
public final class Int8KvAttentionOp implements AttentionOp {

    @Override
    public String name() {
        return "int8-kv";
    }

    @Override
    public void addTo(TaskGraph g, String name, QkvLayout qkv, float[] out, Sequences seqs, int heads, int headDim,
                      boolean causal) {
        int rows = Math.multiplyExact(seqs.tokens(), heads);
        byte[] kCache = new byte[Math.multiplyExact(rows, headDim)];
        byte[] vCache = new byte[kCache.length];
        float[] kScales = new float[rows];
        float[] vScales = new float[rows];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, NoMask.ARRAY, seqs.starts());
        g.task(name + ".quantizeK", rows, Int8KvAttention::quantizeHeads, qkv.k(), kCache, kScales, heads, headDim,
                qkv.ld(), qkv.kCol());
        g.task(name + ".quantizeV", rows, Int8KvAttention::quantizeHeads, qkv.v(), vCache, vScales, heads, headDim,
                qkv.ld(), qkv.vCol());
        g.task(name, rows, Int8KvAttention::attention, qkv.q(), kCache, kScales, vCache, vScales, NoMask.ARRAY, out,
                seqs.starts(), heads, headDim, qkv.ld(), causal ? AttentionMask.CAUSAL : 0, seqs.maxLen());
    }
}
