package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.BlockWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code op block} shows the configuration it ran with, and reads (--config) and writes (--save-config) it. */
class BlockConfigCliTest extends CliFiles {
    private String x;
    private String weights;

    @BeforeEach
    void layer() throws IOException {
        Path w = dir.resolve("w.npz");
        Npz.write(w, BlockWeights.random(12, 20, rnd.nextLong()).toStateDict());
        weights = w.toString();
        x = save("x", random(7 * 12), 7, 12);
    }

    @Test
    void theSavedConfigurationRunsTheSameBlock() throws IOException {
        Path config = dir.resolve("block.json");
        NdArray byFlags = block("--heads", "3", "--norm-first", "--activation", "gelu", "--causal", "--eps", "1e-6",
                "--unfused", "--pattern", "local:2", "--save-config", config.toString());
        assertError("block: d_model 12, dim_feedforward 20, pre-LN, gelu, 3 heads, causal, eps 1.0E-6, weights fp32"
                + " (as stored), pattern local:2, unfused, kv-cache fp32\n");
        assertEquals("""
                {
                  "heads": 3,
                  "norm-first": true,
                  "activation": "gelu",
                  "causal": true,
                  "eps": 1.0E-6,
                  "weights": null,
                  "pattern": "local:2",
                  "kv-cache": "fp32",
                  "variant": "unfused"
                }
                """, Files.readString(config));
        NdArray byConfig = block("--config", config.toString());
        assertArrayEquals(byFlags.toFloats(), byConfig.toFloats());
        assertError("pre-LN, gelu, 3 heads, causal, eps 1.0E-6, weights fp32 (as stored), pattern local:2, unfused,");
    }

    @Test
    void optionsOnTheCommandLineOverrideTheConfiguration() throws IOException {
        String config = json("""
                {"heads": 3, "norm-first": true, "causal": true, "activation": "gelu", "variant": "unfused",
                 "weights": "fp16", "pattern": "local:1"}""");
        NdArray overridden = block("--config", config, "--heads", "2", "--no-causal", "--no-norm-first", "--fused",
                "--pattern", "linear");
        assertError("post-LN, gelu, 2 heads, not causal, eps 1.0E-5, weights fp16, pattern linear, fused,");
        NdArray byFlags = block("--heads", "2", "--activation", "gelu", "--weights", "fp16", "--pattern", "linear");
        assertArrayEquals(byFlags.toFloats(), overridden.toFloats());
    }

    @Test
    void badConfigurationsAreNamedAndExitWith2() throws IOException {
        assertRefused("{\"heads\": 3, \"dropout\": 0.1}", "block: --config (%s): unknown key \"dropout\" (keys: heads,"
                + " norm-first, activation, causal, eps, weights, pattern, kv-cache, variant)");
        assertRefused("{\"heads\": \"3\"}", "\"heads\" must be an integer, got \"3\"");
        assertRefused("{\"heads\": 3.5}", "\"heads\" must be an integer, got 3.5");
        assertRefused("{\"heads\": 3, \"causal\": 1}", "\"causal\" must be true or false, got 1");
        assertRefused("{\"heads\": 3, \"eps\": 1e99}", "\"eps\" must be a finite float, got 1.0E99");
        assertRefused("{\"heads\": 3, \"activation\": \"swish\"}", "\"activation\" must be one of [relu, gelu], got"
                + " \"swish\"");
        assertRefused("{\"heads\": 3, \"variant\": \"flash\"}", "\"variant\" must be \"fused\" or \"unfused\", got"
                + " \"flash\"");
        assertRefused("{\"heads\": 3, \"eps\": -1}", "block: --eps must be > 0, got -1.0");
        assertRefused("{\"heads\": 3,}", "block: --config (%s): expected a string key at character 12");
        assertRefused("[3]", "expected a JSON object, got an array");
        assertRefused("{\"causal\": true}", "block: --heads is required (on the command line or as \"heads\" in"
                + " --config)");
        assertRefused(null, "block: --config (%s): no such file");
    }

    @Test
    void anUnwritableSaveConfigIsAnError() throws IOException {
        Path out = dir.resolve("out.npy");
        String missingDir = dir.resolve("no/such/dir/block.json").toString();
        stdout(2, "op", "block", x, weights, "--heads", "3", "--save-config", missingDir, "-o", out.toString());
        assertError("block: --save-config: ");
    }

    private void assertRefused(String config, String message) throws IOException {
        String file = config == null ? dir.resolve("missing.json").toString() : json(config);
        Path out = dir.resolve("refused.npy");
        stdout(2, "op", "block", x, weights, "--config", file, "-o", out.toString());
        assertError(message.formatted(file));
        assertFalse(Files.exists(out), "wrote " + out);
    }

    private NdArray block(String... options) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("op", "block", x, weights));
        args.addAll(List.of(options));
        return run(0, args.toArray(String[]::new));
    }

    private String json(String text) throws IOException {
        return Files.writeString(dir.resolve("config" + rnd.nextInt(1 << 30) + ".json"), text).toString();
    }
}
