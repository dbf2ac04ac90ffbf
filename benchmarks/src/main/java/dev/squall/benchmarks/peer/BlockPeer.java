package dev.squall.benchmarks.peer;

import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;

/**
 * Another engine running the same encoder block with the same weights, timed next to Squall's fused and
 * unfused graphs by the block suite, its output checked against theirs.
 */
public interface BlockPeer extends AutoCloseable {
    /** A short name for tables, e.g. {@code onnxruntime}. */
    String name();

    /** One line on what runs: library and version, threads, options, where the model came from. */
    String describe();

    /**
     * A run of the block on {@code x}, {@code [batch, n, d]} row-major; the input is copied once, here.
     *
     * @throws PeerUnavailableException when the peer cannot run this shape
     */
    Run prepare(float[] x, int batch, int n) throws PeerUnavailableException;

    /** Frees the peer's native resources. */
    @Override
    void close();

    /** One prepared input: each {@link #run()} computes the block on it. */
    interface Run extends Runnable, AutoCloseable {
        /** The output of the last run, {@code [batch, n, d]}. */
        float[] output();

        /** Frees the input and output buffers. */
        @Override
        void close();
    }

    /** Opens a peer for a block. */
    @FunctionalInterface
    interface Factory {
        /**
         * The peer for the block shaped by {@code config} with {@code weights}, on {@code threads} threads.
         *
         * @throws PeerUnavailableException when it cannot run here, saying why in one line
         */
        BlockPeer open(BlockConfig config, BlockWeights weights, int threads) throws PeerUnavailableException;
    }
}
