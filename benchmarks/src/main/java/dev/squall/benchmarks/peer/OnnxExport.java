package dev.squall.benchmarks.peer;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockWeights;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The encoder block as an ONNX model, for the ONNX Runtime peer: PyTorch's {@code nn.TransformerEncoderLayer}
 * with the bench's configuration and the same weights, exported by {@code export_block_onnx.py} (a resource
 * of this module, {@code benchmarks/src/main/scripts/}) through Python and PyTorch, and cached as
 * {@code <cache>/onnx/<hash>.onnx}, the hash taken over the configuration, the weights and the script. Python
 * runs only on a cache miss; without PyTorch there is no model and the peer is skipped.
 *
 * <p>The cache is {@code $SQUALL_CACHE_DIR}, else {@code $XDG_CACHE_HOME/squall}, else {@code ~/.cache/squall};
 * the interpreter is {@code $SQUALL_PYTHON}, else the first of {@code python3} and {@code /usr/bin/python3}
 * that has PyTorch.
 */
public final class OnnxExport {
    /** The exporter script, a resource next to this class. */
    static final String SCRIPT = "export_block_onnx.py";
    /** The script's exit status when PyTorch (or NumPy) is missing. */
    private static final int NO_TORCH = 3;
    private static final long TIMEOUT_MINUTES = 10;

    private final Path cacheDir;
    private final List<String> pythons;

    /** An exporter caching in {@code cacheDir}, trying the interpreters {@code pythons} in order. */
    public OnnxExport(Path cacheDir, List<String> pythons) {
        this.cacheDir = cacheDir;
        this.pythons = List.copyOf(pythons);
    }

    /** The exporter configured from the environment (see the class comment). */
    public static OnnxExport fromEnvironment() {
        String python = System.getenv("SQUALL_PYTHON");
        return new OnnxExport(defaultCacheDir().resolve("onnx"),
                python != null && !python.isBlank() ? List.of(python) : List.of("python3", "/usr/bin/python3"));
    }

    private static Path defaultCacheDir() {
        String squall = System.getenv("SQUALL_CACHE_DIR");
        if (squall != null && !squall.isBlank()) {
            return Path.of(squall);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("squall");
    }

    /** Where the model of {@code config} with {@code weights} is cached (it may not exist yet). */
    public Path cachedModel(BlockConfig config, BlockWeights weights) {
        return cacheDir.resolve(hash(config, weights) + ".onnx");
    }

    /**
     * The cached model, exported first on a miss.
     *
     * @throws PeerUnavailableException when no interpreter with PyTorch is found or the export fails, saying why
     *                                  in one line
     */
    public Path model(BlockConfig config, BlockWeights weights) throws PeerUnavailableException {
        Path model = cachedModel(config, weights);
        if (Files.isRegularFile(model)) {
            return model;
        }
        try {
            Files.createDirectories(cacheDir);
            Path dir = Files.createTempDirectory(cacheDir, "export");
            try {
                Path npz = dir.resolve("weights.npz");
                Npz.write(npz, weights.toStateDict());
                Path script = dir.resolve(SCRIPT);
                try (InputStream in = OnnxExport.class.getResourceAsStream(SCRIPT)) {
                    if (in == null) {
                        throw new IllegalStateException(SCRIPT + " is missing from the class path");
                    }
                    Files.copy(in, script);
                }
                Path out = dir.resolve("block.onnx");
                export(script, npz, config, out);
                Files.move(out, model, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return model;
            } finally {
                deleteTree(dir);
            }
        } catch (IOException e) {
            throw new PeerUnavailableException("cannot export the block to ONNX in " + cacheDir + ": " + e.getMessage());
        }
    }

    /** Runs the script with the first interpreter that has PyTorch. */
    private void export(Path script, Path npz, BlockConfig config, Path out) throws IOException, PeerUnavailableException {
        List<String> tried = new ArrayList<>();
        for (String python : pythons) {
            List<String> command = new ArrayList<>(List.of(python, script.toString(), "--weights", npz.toString(),
                    "--heads", Integer.toString(config.heads()), "--activation",
                    config.activation().name().toLowerCase(Locale.ROOT), "--eps", Float.toString(config.eps()),
                    "--output", out.toString()));
            if (config.normFirst()) {
                command.add("--norm-first");
            }
            if (config.causal()) {
                command.add("--causal");
            }
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException notFound) {
                tried.add(python + " (not found)");
                continue;
            }
            p.getOutputStream().close();
            String output;
            try (InputStream in = p.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            int status = waitFor(p);
            if (status == 0 && Files.isRegularFile(out)) {
                return;
            }
            if (status == NO_TORCH) {
                tried.add(python + " (no PyTorch)");
                continue;
            }
            throw new PeerUnavailableException("the ONNX export failed (" + python + " " + SCRIPT + ", status " + status
                    + "): " + lastLine(output));
        }
        throw new PeerUnavailableException("PyTorch is needed to export the block to ONNX; tried " + String.join(", ",
                tried) + " (set SQUALL_PYTHON to an interpreter with PyTorch)");
    }

    private static int waitFor(Process p) throws PeerUnavailableException {
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new PeerUnavailableException("the ONNX export took over " + TIMEOUT_MINUTES + " minutes");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new PeerUnavailableException("the ONNX export was interrupted");
        }
    }

    private static String lastLine(String output) {
        String[] lines = output.split("\\R");
        return output.isEmpty() ? "no output" : lines[lines.length - 1];
    }

    /** SHA-256 (first 16 bytes, hex) of the configuration, every weight and the exporter script. */
    static String hash(BlockConfig config, BlockWeights weights) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(config.toString().getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, NdArray> e : weights.toStateDict().entrySet()) {
                sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                float[] v = e.getValue().toFloats();
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                sha.update(b);
            }
            try (InputStream in = OnnxExport.class.getResourceAsStream(SCRIPT)) {
                if (in != null) {
                    sha.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
