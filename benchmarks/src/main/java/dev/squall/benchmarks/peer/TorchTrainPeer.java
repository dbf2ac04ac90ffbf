package dev.squall.benchmarks.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch training the same GPT as the {@code train} suite, one step at a time: {@code train_step_torch.py} (a
 * resource of this module, {@code benchmarks/src/main/scripts/}) runs in a Python process that stays up, and
 * {@link #step()} asks it for one step and waits for it, so the suite can interleave PyTorch's steps with its own.
 * The interpreter is {@code $SQUALL_PYTHON}, else the first of {@code python3} and {@code /usr/bin/python3} that has
 * PyTorch.
 */
public final class TorchTrainPeer implements AutoCloseable {
    static final String SCRIPT = "train_step_torch.py";
    private final Process process;
    private final Writer in;
    private final BufferedReader out;
    private final Path scriptDir;

    private TorchTrainPeer(Process process, Path scriptDir) {
        this.process = process;
        this.scriptDir = scriptDir;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Starts the peer for the model {@code vocab, block, layers, heads, embd, bias} on batches of {@code batch}
     * sequences of {@code length} tokens, with {@code threads} intra-op threads.
     *
     * @throws PeerUnavailableException when no interpreter with PyTorch is found, saying why in one line
     */
    public static TorchTrainPeer start(int vocab, int block, int layers, int heads, int embd, boolean bias, int batch,
                                       int length, int threads) throws PeerUnavailableException {
        String python = System.getenv("SQUALL_PYTHON");
        return start(python != null && !python.isBlank() ? List.of(python) : List.of("python3", "/usr/bin/python3"),
                vocab, block, layers, heads, embd, bias, batch, length, threads);
    }

    /** {@link #start(int, int, int, int, int, boolean, int, int, int)} trying the interpreters {@code pythons}. */
    static TorchTrainPeer start(List<String> pythons, int vocab, int block, int layers, int heads, int embd,
                                boolean bias, int batch, int length, int threads) throws PeerUnavailableException {
        Path dir;
        Path script;
        try {
            dir = Files.createTempDirectory("squall-torch-peer");
            script = dir.resolve(SCRIPT);
            try (InputStream s = TorchTrainPeer.class.getResourceAsStream(SCRIPT)) {
                if (s == null) {
                    throw new PeerUnavailableException(SCRIPT + " is missing from the class path");
                }
                Files.copy(s, script, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new PeerUnavailableException("cannot write the PyTorch peer's script: " + e.getMessage());
        }
        List<String> tried = new ArrayList<>();
        for (String py : pythons) {
            List<String> command = new ArrayList<>(List.of(py, script.toString(), "--vocab", "" + vocab, "--block",
                    "" + block, "--layers", "" + layers, "--heads", "" + heads, "--embd", "" + embd, "--batch",
                    "" + batch, "--length", "" + length, "--threads", "" + threads));
            if (bias) {
                command.add("--bias");
            }
            Process p;
            try {
                p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException notFound) {
                tried.add(py + " (not found)");
                continue;
            }
            TorchTrainPeer peer = new TorchTrainPeer(p, dir);
            try {
                String first = peer.out.readLine();
                if ("ready".equals(first)) {
                    return peer;
                }
                tried.add(py + " (" + (first == null ? "exited" : first) + ")");
            } catch (IOException e) {
                tried.add(py + " (" + e.getMessage() + ")");
            }
            p.destroyForcibly();
        }
        deleteQuietly(script, dir);
        throw new PeerUnavailableException("no Python with PyTorch for the training peer: tried " + String.join(", ",
                tried));
    }

    /** One training step of the peer (forward, backward, clipping, AdamW); returns its own milliseconds. */
    public double step() {
        try {
            in.write("step\n");
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the PyTorch peer exited");
            }
            return Double.parseDouble(line.strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // the process is ending anyway
        }
        process.destroy();
        deleteQuietly(scriptDir.resolve(SCRIPT), scriptDir);
    }

    private static void deleteQuietly(Path... paths) {
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file left behind
            }
        }
    }
}
