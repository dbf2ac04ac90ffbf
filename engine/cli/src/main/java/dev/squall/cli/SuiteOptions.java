package dev.squall.cli;

import dev.squall.benchmarks.suite.AttentionBench;
import dev.squall.benchmarks.suite.AttentionPatternBench;
import dev.squall.benchmarks.suite.BenchSuite;
import dev.squall.benchmarks.suite.BlockBench;
import dev.squall.benchmarks.suite.GemmBench;
import dev.squall.benchmarks.suite.OffloadBench;
import dev.squall.benchmarks.suite.PackedBench;
import dev.squall.benchmarks.suite.QuantBench;
import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of {@code bench}'s shape options each suite reads, so that an option given on the command line that
 * none of the suites to run reads is an error rather than silently ignored (e.g. {@code --n} with
 * {@code --suite gemm}).
 */
final class SuiteOptions {
    private static final List<Class<? extends BenchSuite>> BLOCKS = List.of(BlockBench.class, OffloadBench.class,
            PackedBench.class, QuantBench.class);
    private static final Map<String, List<Class<? extends BenchSuite>>> READERS = new LinkedHashMap<>();

    static {
        READERS.put("--n", List.of(BlockBench.class, OffloadBench.class));
        READERS.put("--batch", List.of(BlockBench.class, OffloadBench.class));
        READERS.put("--peer", List.of(BlockBench.class));
        READERS.put("--norm-first", BLOCKS);
        READERS.put("--ff", concat(BLOCKS, GemmBench.class));
        READERS.put("--d", concat(concat(BLOCKS, GemmBench.class), AttentionBench.class, AttentionPatternBench.class));
        READERS.put("--heads", concat(BLOCKS, AttentionBench.class, AttentionPatternBench.class));
        READERS.put("--causal", concat(BLOCKS, AttentionBench.class, AttentionPatternBench.class));
        READERS.put("--attention-n", List.of(AttentionBench.class));
        READERS.put("--gemm-m", List.of(GemmBench.class));
    }

    private SuiteOptions() {
    }

    /**
     * Throws a {@link CommandLine.ParameterException} naming the first option given on {@code cli}'s command
     * line that none of {@code suites} reads.
     */
    static void check(CommandLine cli, List<BenchSuite> suites) {
        CommandLine.ParseResult parsed = cli.getParseResult();
        for (Map.Entry<String, List<Class<? extends BenchSuite>>> e : READERS.entrySet()) {
            if (parsed.hasMatchedOption(e.getKey())
                    && suites.stream().noneMatch(s -> e.getValue().stream().anyMatch(c -> c.isInstance(s)))) {
                throw new CommandLine.ParameterException(cli, e.getKey() + " does not apply to the suites that run ("
                        + String.join(", ", suites.stream().map(SuiteOptions::name).toList()) + "); it is read by "
                        + String.join(", ", e.getValue().stream().map(SuiteOptions::name).distinct().toList()));
            }
        }
    }

    private static String name(BenchSuite suite) {
        return name(suite.getClass());
    }

    private static String name(Class<? extends BenchSuite> suite) {
        return switch (suite.getSimpleName()) {
            case "BlockBench" -> "block";
            case "OffloadBench" -> "block --offload";
            case "AttentionBench" -> "attention";
            case "GemmBench" -> "gemm";
            case "PackedBench" -> "--packed";
            case "QuantBench" -> "--quant";
            case "AttentionPatternBench" -> "--attention";
            default -> suite.getSimpleName();
        };
    }

    @SafeVarargs
    private static List<Class<? extends BenchSuite>> concat(List<Class<? extends BenchSuite>> a,
                                                            Class<? extends BenchSuite>... more) {
        return java.util.stream.Stream.concat(a.stream(), java.util.Arrays.stream(more)).toList();
    }
}
