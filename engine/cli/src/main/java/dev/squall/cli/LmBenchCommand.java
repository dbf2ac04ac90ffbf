package dev.squall.cli;

import dev.squall.benchmarks.suite.LmBench;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.compress.WeightFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code squall lm bench}: prefill and decode tokens/s per weight format against the memory bandwidth. */
@Command(name = "bench", resourceBundle = "dev.squall.cli.FormatHelp", description = {"Measures prefill and decode tokens/s of a GPT for each weight format.",
        "Also shows the weight bytes read per decoded token and the machine's measured read bandwidth. Random",
        "weights unless --model is given; without --config, GPT-2 small's shape with vocab 50304 (12 layers,",
        "768 wide)."})
final class LmBenchCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "M.npz", description = "Weights (.npz or .safetensors; needs --config).")
    Path model;
    @Option(names = "--config", paramLabel = "C.json", description = "Config (nanoGPT JSON or Hugging Face config.json).")
    Path config;
    @Option(names = "--formats", split = ",", defaultValue = "fp32,q8_0,q4_0-a8", paramLabel = "F",
            description = "Weight formats (${bundle:formats}), the first the baseline (default: ${DEFAULT-VALUE}).")
    List<String> formats;
    @Option(names = "--prefill", defaultValue = "512", paramLabel = "N", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    int prefill;
    @Option(names = "--decode", defaultValue = "64", paramLabel = "N", description = "Decoded tokens (default: ${DEFAULT-VALUE}).")
    int decode;
    @Option(names = "--rounds", defaultValue = "3", paramLabel = "R", description = "Timed rounds (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--warmup", defaultValue = "1", paramLabel = "W", description = "Untimed rounds (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--kv", defaultValue = "fp32", paramLabel = "fp32|int8", description = "KV cache (default: ${DEFAULT-VALUE}).")
    String kv;
    @Option(names = "--bandwidth-mib", defaultValue = "1024", paramLabel = "MIB",
            description = "Array size of the bandwidth probe (default: ${DEFAULT-VALUE}).")
    int bandwidthMib;
    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Seed of random weights (default: ${DEFAULT-VALUE}).")
    long seed;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        formats.forEach(f -> {
            try {
                WeightFormats.parse(f);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--formats: " + e.getMessage(), e);
            }
        });
        if (model != null && config == null) {
            throw new IllegalArgumentException("--model needs --config");
        }
        GptConfig c = config == null ? GptConfig.of(50304, 1024, 12, 12, 768, true, 0.0) : ModelOptions.readConfig(config);
        GptWeights weights = model == null ? GptWeights.random(c, seed) : ModelOptions.readWeights(model, c);
        LmBench.Options options = new LmBench.Options(weights, formats, prefill, decode, warmup, rounds,
                ModelOptions.kv(kv), bandwidthMib);
        try (Backend backend = run.backend()) {
            int threads = backend instanceof JvmBackend j ? j.threads() : Runtime.getRuntime().availableProcessors();
            LmBench bench = new LmBench(options);
            bench.run(backend, threads, line -> System.err.println(line));
            System.out.print(bench.text());
            if (run.profile) {
                bench.rows().forEach(r -> {
                    System.err.println("last decode step, " + r.format() + ":");
                    System.err.print(r.lastStep().table());
                });
            }
        }
        return 0;
    }
}
