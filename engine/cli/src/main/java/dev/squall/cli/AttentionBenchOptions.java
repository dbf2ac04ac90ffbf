package dev.squall.cli;

import dev.squall.benchmarks.suite.AttentionPatternBench;
import dev.squall.benchmarks.suite.Timing;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The options of {@code squall bench --attention}: sparse, low-rank and linear attention against dense attention. */
final class AttentionBenchOptions {
    /** Block size and band half-width (in blocks) of the generated layout of the default {@code block} pattern. */
    private static final int BAND_BLOCK = 64;
    private static final int BAND_RADIUS = 2;

    @Option(names = "--attention", description = {"Benchmark attention patterns against dense fused attention",
            "(instead of the block): time, working memory, error, for N = --pattern-n."})
    boolean enabled;

    @Option(names = "--pattern", paramLabel = "PATTERN", description = {"Pattern for --attention (repeatable; default: "
            + "local:256, dilated:128:2, longformer:256:1:0, block:64:<band of 5 blocks>, fixed:64:4, strided:64:8,",
            "bigbird:64:1:1:3:1, topk:64, cluster:64:2:1, linformer:256:1, linear). Grammar: " + PatternAttention.GRAMMAR + "."})
    List<String> patterns;

    @Option(names = "--pattern-n", split = ",", defaultValue = "1024,2048,4096,8192,16384,32768,65536",
            paramLabel = "N", description = "Sequence lengths for --attention (default: ${DEFAULT-VALUE}).")
    int[] lengths;

    @Option(names = "--budget", defaultValue = "60", paramLabel = "SECONDS", description = {"For --attention: skip an "
            + "operation at lengths where its predicted time per run exceeds this (default: ${DEFAULT-VALUE})."})
    double budget;

    /** The suite for {@code heads} heads of {@code d / heads}. */
    AttentionPatternBench suite(int d, int heads, boolean causal, Timing timing) {
        if (heads < 1 || d % heads != 0) {
            throw new IllegalArgumentException("--heads must be >= 1 and divide --d, got " + heads + " and " + d);
        }
        List<String> list = patterns != null ? patterns : defaults(Arrays.stream(lengths).max().orElse(1));
        return new AttentionPatternBench(list, lengths, heads, d / heads, causal, budget, timing);
    }

    private static List<String> defaults(int maxLen) {
        return new ArrayList<>(List.of("local:256", "dilated:128:2", "longformer:256:1:0",
                "block:" + BAND_BLOCK + ":" + bandLayout(maxLen), "fixed:64:4", "strided:64:8", "bigbird:64:1:1:3:1",
                "topk:64", "cluster:64:2:1", "linformer:256:1", "linear"));
    }

    /** A temporary LAYOUT.npy listing the blocks within {@link #BAND_RADIUS} of the diagonal, covering {@code maxLen}. */
    private static String bandLayout(int maxLen) {
        int nb = (maxLen + BAND_BLOCK - 1) / BAND_BLOCK;
        byte[] bits = new byte[nb * nb];
        for (int i = 0; i < nb; i++) {
            for (int j = Math.max(0, i - BAND_RADIUS); j <= Math.min(nb - 1, i + BAND_RADIUS); j++) {
                bits[i * nb + j] = 1;
            }
        }
        try {
            Path dir = Files.createTempDirectory("squall-bench");
            Path file = dir.resolve("band" + (2 * BAND_RADIUS + 1) + ".npy");
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit();
            Npy.write(file, NdArray.ofBool(bits, nb, nb));
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the block layout: " + e.getMessage(), e);
        }
    }
}
