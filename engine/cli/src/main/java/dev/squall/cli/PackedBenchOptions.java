package dev.squall.cli;

import dev.squall.benchmarks.suite.BenchSuite;
import dev.squall.benchmarks.suite.PackedBench;
import dev.squall.benchmarks.suite.SkewedLengths;
import dev.squall.benchmarks.suite.Timing;
import dev.squall.engine.layers.BlockConfig;
import picocli.CommandLine.Option;

import java.util.Arrays;

/** {@code squall bench --packed}: the padding-removal suite ({@link PackedBench}) instead of the default one. */
final class PackedBenchOptions {
    @Option(names = "--packed", description = "Padding removal, instead of the --suite suites: the block padded vs "
            + "packed vs packed+fused on a batch of sequences of skewed lengths (uses --d, --heads, --ff, --causal, "
            + "--norm-first).")
    boolean enabled;

    @Option(names = "--sequences", defaultValue = "32", description = "With --packed: sequences per batch "
            + "(default: ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--max-len", defaultValue = "512", description = "With --packed: longest allowed sequence "
            + "(default: ${DEFAULT-VALUE}).")
    int maxLen;

    @Option(names = "--mean-len", split = ",", defaultValue = "0.25", paramLabel = "FRACTION", description = "With "
            + "--packed: target mean length as a fraction of --max-len, one batch per value (default: ${DEFAULT-VALUE}).")
    double[] meanFractions;

    @Option(names = "--seed", defaultValue = "42", description = "With --packed: seed of the lengths "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    /** The suite these options describe. */
    BenchSuite suite(BlockConfig config, Timing timing) {
        if (sequences < 1 || maxLen < 1) {
            throw new IllegalArgumentException("--sequences and --max-len must be >= 1, got " + sequences + " and " + maxLen);
        }
        return new PackedBench(config, sequences, Arrays.stream(meanFractions).mapToObj(f -> {
            try {
                return new SkewedLengths(maxLen, f, SkewedLengths.DEFAULT_SIGMA, seed);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--mean-len must be in (0, 1], got " + f, e);
            }
        }).toList(), timing);
    }
}
