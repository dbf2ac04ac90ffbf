package dev.squall.cli;

import dev.squall.benchmarks.suite.QuantBench;
import dev.squall.benchmarks.suite.Timing;
import dev.squall.engine.layers.BlockConfig;
import picocli.CommandLine.Option;

import java.util.List;

/** The options of {@code squall bench --quant}: the compressed-weight suite instead of the block suite. */
final class QuantBenchOptions {
    @Option(names = "--quant", description = {"Benchmark the weight formats instead of the block: bytes, GEMV and GEMM",
            "time vs fp32, and a block's output error per format."})
    boolean enabled;
    @Option(names = "--quant-formats", split = ",", paramLabel = "F",
            description = "Formats to compare (default: all, see squall quantize --help).")
    List<String> formats;
    @Option(names = "--quant-size", defaultValue = "4096", paramLabel = "N",
            description = "Layer size N x N (default: ${DEFAULT-VALUE}).")
    int size;
    @Option(names = "--quant-rows", defaultValue = "512", paramLabel = "M",
            description = "Activation rows of the GEMM, 0 for none (default: ${DEFAULT-VALUE}).")
    int rows;
    @Option(names = "--quant-stream-mib", defaultValue = "128", paramLabel = "MIB",
            description = "Weights streamed per GEMV round, 0 for hot only (default: ${DEFAULT-VALUE}).")
    int streamMib;
    @Option(names = "--quant-block-tokens", defaultValue = "128", paramLabel = "T",
            description = "Tokens of the block whose output error is measured (default: ${DEFAULT-VALUE}).")
    int blockTokens;
    @Option(names = "--quant-jit-ms", defaultValue = "2000", paramLabel = "MS",
            description = "Untimed runs of each plan before its warm-ups, for the JIT (default: ${DEFAULT-VALUE}).")
    int jitMillis;

    /** The suite, the block error measured on a block shaped by {@code block}. */
    QuantBench suite(BlockConfig block, Timing timing) {
        return new QuantBench(formats == null ? QuantBench.DEFAULT_FORMATS : formats, size, rows, streamMib, block,
                blockTokens, jitMillis, timing);
    }
}
