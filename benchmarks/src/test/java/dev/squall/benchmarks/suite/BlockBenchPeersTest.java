package dev.squall.benchmarks.suite;

import dev.squall.benchmarks.peer.BlockPeer;
import dev.squall.benchmarks.peer.OnnxModels;
import dev.squall.benchmarks.peer.OnnxRuntimePeer;
import dev.squall.benchmarks.peer.PeerUnavailableException;
import dev.squall.benchmarks.report.Report;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.EncoderBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Peers in the block suite: timed with Squall's graphs, their output checked, skipped with a notice. */
class BlockBenchPeersTest {
    private static final BlockConfig CONFIG = new BlockConfig(16, 2, 32, false, BlockConfig.Activation.GELU, false,
            1e-5f);

    @TempDir
    Path dir;

    @Test
    void peersRunInTheSameRoundsAndTheirOutputIsCompared() throws IOException {
        Map<String, BlockPeer.Factory> peers = new LinkedHashMap<>();
        peers.put("squall-again", (config, weights, threads) -> new SquallPeer(new EncoderBlock(config, weights), threads));
        peers.put("absent", (config, weights, threads) -> {
            throw new PeerUnavailableException("not installed here");
        });
        // ONNX Runtime on a model that is not the block (y = -x): it runs, and its output is flagged
        Path neg = Files.write(dir.resolve("neg.onnx"), OnnxModels.unary("Neg", CONFIG.dModel()));
        peers.put(OnnxRuntimePeer.NAME, (config, weights, threads) -> OnnxRuntimePeer.open(neg, config.dModel(), threads));
        BlockBench bench = new BlockBench(CONFIG, 2, new int[] {3, 9}, new Timing(1, 2)).withPeers(peers);
        List<String> notices = new ArrayList<>();
        List<String> done = new ArrayList<>();
        try (JvmBackend backend = new JvmBackend(2)) {
            bench.run(backend, new Progress() {
                @Override
                public void step(String detail) {
                }

                @Override
                public void done(String summary) {
                    done.add(summary);
                }

                @Override
                public void notice(String line) {
                    notices.add(line);
                }
            });
        }
        assertEquals(2, bench.rows().size());
        for (BlockBench.Row r : bench.rows()) {
            assertTrue(r.peer("squall-again").maxAbsDiff() < 1e-5, r.toString());
            assertTrue(r.peer(OnnxRuntimePeer.NAME).maxAbsDiff() > BlockBench.PEER_TOLERANCE, r.toString());
            assertNull(r.peer("absent"));
            assertEquals("1/1/1/1", r.warmup(), "fixed warm-up: one run each");
        }
        assertEquals("absent: skipped, not installed here", notices.get(0));
        assertTrue(notices.stream().anyMatch(l -> l.startsWith("onnxruntime N=3: output differs from Squall's")), notices.toString());
        assertEquals(2, done.size());
        assertTrue(done.get(0).matches("block N=3: unfused [0-9.]+ ms, fused [0-9.]+ ms, squall-again [0-9.]+ ms, "
                + "onnxruntime [0-9.]+ ms \\(warm-up 1/1/1/1 runs\\)"), done.get(0));
        String text = bench.text();
        assertTrue(text.contains("squall-again ms") && text.contains("fused vs onnxruntime")
                && text.contains("onnxruntime max |diff|"), text);
        assertTrue(text.contains("absent: skipped, not installed here"), text);
        Report report = new Report("test", List.of("machine: test"));
        bench.addTo(report);
        report.writeTo(dir.resolve("report"));
        assertTrue(Files.readString(dir.resolve("report/results.csv")).contains("\"onnxruntime ms\""));
    }

    /** Squall's own block through {@link EncoderBlock#forward}: a peer whose output must match. */
    private record SquallPeer(EncoderBlock block, int threads) implements BlockPeer {
        @Override
        public String name() {
            return "squall-again";
        }

        @Override
        public String describe() {
            return "the unfused block again";
        }

        @Override
        public Run prepare(float[] x, int batch, int n) {
            JvmBackend backend = new JvmBackend(threads);
            float[][] y = new float[1][];
            return new Run() {
                @Override
                public void run() {
                    y[0] = block.forward(backend, EncoderBlock.Variant.UNFUSED, x, batch, n);
                }

                @Override
                public float[] output() {
                    return y[0];
                }

                @Override
                public void close() {
                    backend.close();
                }
            };
        }

        @Override
        public void close() {
        }
    }
}
