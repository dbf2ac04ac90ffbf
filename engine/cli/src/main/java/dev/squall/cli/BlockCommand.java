package dev.squall.cli;

import dev.squall.engine.compress.CompressedBlock;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.BlockConfig;
import dev.squall.engine.layers.BlockGraph;
import dev.squall.engine.layers.BlockWeights;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.Int8KvAttentionOp;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.AttentionPattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code squall op block X WEIGHTS.npz --heads H -o OUT}: one transformer encoder block. */
@Command(name = "block", resourceBundle = "dev.squall.cli.FormatHelp", description = {"One transformer encoder block (PyTorch nn.TransformerEncoderLayer).",
        "As PyTorch's layer with batch_first, in eval mode, on X shaped [N, d] or [B, N, d], weights from a "
                + "state-dict .npz. Sequences of different lengths: X [B, N, d] padded, with --lengths or --mask "
                + "(padding rows of the output are zero), or X [T, d] packed, with --lengths or --cu-seqlens."})
final class BlockCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "X.npy", description = "[N, d] or [B, N, d]")
    Path x;
    @Parameters(index = "1", paramLabel = "WEIGHTS.npz", description = "state dict: self_attn.in_proj_weight, ...")
    Path weights;
    @Mixin
    LayerOptions layer;
    @Option(names = "--weights", paramLabel = "FORMAT", description = {"Run the linear layers in this weight format:",
            "${bundle:formats} (default: as stored in WEIGHTS: fp32, fp16, or what squall quantize wrote)."})
    String weightFormat;
    @Option(names = "--pattern", paramLabel = "PATTERN", description = {"Sparse, low-rank or linear attention in the block: "
            + PatternAttention.GRAMMAR + ". The fused block runs its kernel, the unfused one dense scores with its mask."})
    String pattern;
    @Option(names = "--kv-cache", paramLabel = "TYPE", defaultValue = "fp32", description = {"int8: attention reads its keys "
            + "and values from an int8 cache, one scale per token and head, as a decoder would keep them (default: "
            + "${DEFAULT-VALUE})."})
    KvCache kvCache;
    @ArgGroup
    Fusion fusion;
    @Mixin
    ConfigOptions config;
    @Mixin
    SequenceOptions sequences;
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;
    @Spec
    CommandSpec spec;

    /** The keys of --config: the layer's settings and how it runs, not its inputs. */
    static final List<String> SETTINGS = List.of("heads", "norm-first", "activation", "causal", "eps", "weights",
            "pattern", "kv-cache", "variant");

    /** Where attention reads keys and values from. */
    enum KvCache { fp32, int8 }

    /** {@code --fused} (the default) or {@code --unfused}. */
    static final class Fusion {
        @Option(names = "--fused", description = "Fused graph (default).")
        boolean fused;
        @Option(names = "--unfused", description = "One kernel per operation, scores materialised.")
        boolean unfused;
    }

    @Override
    public Integer call() throws IOException {
        Object variantSetting = config.apply(SETTINGS).get("variant");
        if (layer.heads == null) {
            throw new IllegalArgumentException("--heads is required (on the command line or as \"heads\" in --config)");
        }
        NdArray xa = Inputs.read("X", x);
        Inputs.rank("X", xa, 2, 3);
        float[] xv = Inputs.floats("X", xa); // an empty X is an error here
        CompressedBlock cb = WeightsFile.read("WEIGHTS", weights, weightFormat);
        BlockWeights w = cb.reference();
        int d = xa.dim(-1);
        if (d != w.dModel()) {
            throw new IllegalArgumentException("X's last axis must be d_model = " + w.dModel() + " (from WEIGHTS), got "
                    + xa.describe());
        }
        layer.check(d);
        BlockConfig block = layer.config(d, w.ffDim());
        EncoderBlock.Variant variant = variant(variantSetting);
        BlockGraph bg = sequences.build(cb.block(block), variant, xa, attention(variant));
        Map<String, Object> settings = settings(variant);
        // A state dict does not say how the layer was configured: show what ran.
        spec.commandLine().getErr().println("block: d_model " + d + ", dim_feedforward " + w.ffDim() + ", "
                + (layer.normFirst ? "pre-LN" : "post-LN") + ", " + layer.activation + ", " + layer.heads + " heads, "
                + (layer.causal ? "causal" : "not causal") + ", eps " + layer.eps + ", weights " + (weightFormat != null
                ? weightFormat : cb.format() + " (as stored)") + ", " + (pattern == null ? "dense attention"
                : "pattern " + pattern) + ", " + settings.get("variant") + ", kv-cache " + kvCache);
        System.arraycopy(xv, 0, bg.input(), 0, xv.length);
        run.runOnce(bg.graph());
        Inputs.write(output.file, bg.output(), xa.shape());
        config.save(settings);
        return 0;
    }

    /** --fused or --unfused when given, else the "variant" of --config, else fused. */
    private EncoderBlock.Variant variant(Object setting) {
        if (fusion != null || setting == null) {
            return fusion != null && fusion.unfused ? EncoderBlock.Variant.UNFUSED : EncoderBlock.Variant.FUSED;
        }
        for (EncoderBlock.Variant v : EncoderBlock.Variant.values()) {
            if (v.name().toLowerCase(Locale.ROOT).equals(setting)) {
                return v;
            }
        }
        throw config.error("\"variant\" must be \"fused\" or \"unfused\", got " + ConfigOptions.show(setting));
    }

    /** The settings it runs with, keyed as --config reads them. */
    private Map<String, Object> settings(EncoderBlock.Variant variant) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("heads", layer.heads);
        s.put("norm-first", layer.normFirst);
        s.put("activation", layer.activation.name());
        s.put("causal", layer.causal);
        s.put("eps", layer.eps);
        s.put("weights", weightFormat);
        s.put("pattern", pattern);
        s.put("kv-cache", kvCache.name());
        s.put("variant", variant.name().toLowerCase(Locale.ROOT));
        return s;
    }

    /** The attention of {@code --pattern} or {@code --kv-cache}, or null for the block's dense attention. */
    private AttentionOp attention(EncoderBlock.Variant variant) {
        if (pattern != null && kvCache == KvCache.int8) {
            throw new IllegalArgumentException("--pattern and --kv-cache int8 cannot be combined");
        }
        if (pattern != null) {
            return AttentionPattern.parse(pattern).op(variant);
        }
        return kvCache == KvCache.int8 ? new Int8KvAttentionOp() : null;
    }
}
