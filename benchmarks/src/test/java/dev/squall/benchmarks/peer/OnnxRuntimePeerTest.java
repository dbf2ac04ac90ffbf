package dev.squall.benchmarks.peer;

import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX Runtime peer on a hand-written model ({@code y = -x}), and the exporter's cache and skip paths,
 * without Python: the real export needs PyTorch and is exercised by {@code squall bench --peer onnxruntime}.
 */
class OnnxRuntimePeerTest {
    @TempDir
    Path dir;

    @Test
    void runsAModelOnDynamicShapesAndReturnsItsOutput() throws Exception {
        Path model = Files.write(dir.resolve("neg.onnx"), OnnxModels.unary("Neg", 5));
        try (OnnxRuntimePeer peer = OnnxRuntimePeer.open(model, 5, 2)) {
            assertEquals(OnnxRuntimePeer.NAME, peer.name());
            assertTrue(peer.describe().contains("2 intra-op threads"), peer.describe());
            for (int[] shape : List.of(new int[] {1, 3}, new int[] {2, 7})) {
                float[] x = new float[shape[0] * shape[1] * 5];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i * 0.5f - 3;
                }
                try (BlockPeer.Run run = peer.prepare(x, shape[0], shape[1])) {
                    run.run();
                    run.run(); // the pinned output is reused
                    float[] y = run.output();
                    float[] expected = new float[x.length];
                    for (int i = 0; i < x.length; i++) {
                        expected[i] = -x[i];
                    }
                    assertArrayEquals(expected, y);
                }
            }
        }
    }

    @Test
    void aModelThatDoesNotOpenIsAOneLineReason() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class, () -> OnnxRuntimePeer.open(junk, 4, 1));
        assertTrue(e.getMessage().startsWith("ONNX Runtime cannot open " + junk), e.getMessage());
    }

    @Test
    void theExporterUsesItsCacheAndSaysWhyItCannotExport() throws Exception {
        BlockConfig config = BlockConfig.of(8, 2, 16);
        BlockWeights weights = BlockWeights.random(8, 16, 1);
        Path cache = dir.resolve("cache");

        // no interpreter at all: skipped, saying what was tried
        OnnxExport none = new OnnxExport(cache, List.of(dir.resolve("no-such-python").toString()));
        PeerUnavailableException missing = assertThrows(PeerUnavailableException.class, () -> none.model(config, weights));
        assertTrue(missing.getMessage().startsWith("PyTorch is needed to export the block to ONNX; tried "), missing.getMessage());
        assertTrue(missing.getMessage().contains("no-such-python (not found)"), missing.getMessage());

        // an interpreter without PyTorch: the script's exit status 3
        Path noTorch = script("no-torch", "echo 'No module named torch' >&2; exit 3");
        PeerUnavailableException skipped = assertThrows(PeerUnavailableException.class,
                () -> new OnnxExport(cache, List.of(noTorch.toString())).model(config, weights));
        assertTrue(skipped.getMessage().contains("no-torch (no PyTorch)"), skipped.getMessage());

        // a failing export: its last line of output
        Path broken = script("broken", "echo 'first'; echo 'weights do not fit the layer' >&2; exit 2");
        PeerUnavailableException failed = assertThrows(PeerUnavailableException.class,
                () -> new OnnxExport(cache, List.of(broken.toString())).model(config, weights));
        assertTrue(failed.getMessage().endsWith("status 2): weights do not fit the layer"), failed.getMessage());
        try (var left = Files.list(cache)) {
            assertEquals(Set.of(), Set.copyOf(left.toList()), "temporary files left in the cache");
        }

        // an interpreter that writes the model where asked: cached under the hash, then found without running
        Path fake = script("fake-python", "while [ \"$1\" != --output ]; do shift; done; printf 'model' > \"$2\"");
        OnnxExport export = new OnnxExport(cache, List.of(fake.toString()));
        Path model = export.model(config, weights);
        assertEquals(export.cachedModel(config, weights), model);
        assertEquals("model", Files.readString(model));
        assertEquals(model, new OnnxExport(cache, List.of()).model(config, weights), "not taken from the cache");

        // another configuration or other weights: another file
        assertFalse(export.cachedModel(config.withNormFirst(true), weights).equals(model));
        assertFalse(export.cachedModel(config, BlockWeights.random(8, 16, 2)).equals(model));
    }

    /** An executable shell script standing in for the Python interpreter. */
    private Path script(String name, String body) throws IOException {
        Path p = Files.writeString(dir.resolve(name), "#!/bin/sh\n" + body + "\n");
        assertTrue(p.toFile().setExecutable(true));
        return p;
    }
}
