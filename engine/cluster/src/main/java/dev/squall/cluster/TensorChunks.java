package dev.squall.cluster;

import dev.squall.cluster.StageProtocol.TensorChunk;
import dev.squall.cluster.StageProtocol.TensorKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Splits tensors into chunks that fit a frame and puts them together again on arrival. */
public final class TensorChunks {
    private record Key(TensorKind kind, int stage, long step, int microBatch) {}

    private final Map<Key, float[]> partial = new HashMap<>();

    /** {@code tensor} as chunks of at most {@code maxFloats} elements (one chunk for an empty tensor). */
    public static List<TensorChunk> split(TensorKind kind, int stage, long step, int microBatch, float[] tensor,
            int maxFloats) {
        if (maxFloats < 1) {
            throw new IllegalArgumentException("chunk size must be at least one float, got " + maxFloats);
        }
        List<TensorChunk> chunks = new ArrayList<>();
        int offset = 0;
        do {
            int n = Math.min(maxFloats, tensor.length - offset);
            chunks.add(new TensorChunk(kind, stage, step, microBatch, offset, tensor.length,
                    Arrays.copyOfRange(tensor, offset, offset + n)));
            offset += n;
        } while (offset < tensor.length);
        return chunks;
    }

    /** Adds {@code chunk}; returns the whole tensor when this was its last chunk, else {@code null}. */
    public float[] add(TensorChunk chunk) {
        Key key = new Key(chunk.kind(), chunk.stage(), chunk.step(), chunk.microBatch());
        float[] whole;
        if (chunk.offset() == 0) {
            if (chunk.data().length == chunk.totalLength()) {
                return chunk.data();
            }
            whole = new float[chunk.totalLength()];
            partial.put(key, whole);
        } else {
            whole = partial.get(key);
            if (whole == null || whole.length != chunk.totalLength()) {
                throw new IllegalStateException("chunk at " + chunk.offset() + " of " + key + " without its start");
            }
        }
        System.arraycopy(chunk.data(), 0, whole, chunk.offset(), chunk.data().length);
        if (chunk.offset() + chunk.data().length == chunk.totalLength()) {
            partial.remove(key);
            return whole;
        }
        return null;
    }

    /** Drops unfinished tensors (after a failed step). */
    public void clear() {
        partial.clear();
    }
}
