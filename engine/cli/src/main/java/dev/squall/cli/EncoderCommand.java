package dev.squall.cli;

import dev.squall.engine.compress.CompressedBlock;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.EncoderStack;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.AttentionPattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code squall op encoder X WEIGHTS.npz --heads H -o OUT}: a whole {@code nn.TransformerEncoder}. */
@Command(name = "encoder", resourceBundle = "dev.squall.cli.FormatHelp", description = {"Runs a whole PyTorch nn.TransformerEncoder on X.",
        "X is [N, d] or [B, N, d] (batch_first, eval); the state dict holds layers.{i}.* (each an",
        "nn.TransformerEncoderLayer, as op block reads it) and the optional final norm.weight/norm.bias."})
final class EncoderCommand implements Callable<Integer> {
    private static final Pattern LAYER = Pattern.compile("layers\\.(\\d{1,6})\\.(.+)");

    @Parameters(index = "0", paramLabel = "X.npy", description = "[N, d] or [B, N, d]")
    Path x;
    @Parameters(index = "1", paramLabel = "WEIGHTS.npz", description = "state dict: layers.0.self_attn.in_proj_weight, ...")
    Path weights;
    @Mixin
    LayerOptions layer;
    @Option(names = "--weights", paramLabel = "FORMAT", description = {"Run the linear layers in this weight format:",
            "${bundle:formats} (default: as stored)."})
    String weightFormat;
    @Option(names = "--pattern", paramLabel = "PATTERN", description = "Sparse, low-rank or linear attention: "
            + PatternAttention.GRAMMAR + ".")
    String pattern;
    @ArgGroup
    BlockCommand.Fusion fusion;
    @Mixin
    OutputOption output;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        NdArray xa = Inputs.read("X", x);
        Inputs.rank("X", xa, 2, 3);
        float[] xv = Inputs.floats("X", xa);
        EncoderBlock.Variant variant = fusion != null && fusion.unfused ? EncoderBlock.Variant.UNFUSED
                : EncoderBlock.Variant.FUSED;
        AttentionOp attention = pattern == null ? EncoderBlock.defaultAttention(variant)
                : AttentionPattern.parse(pattern).op(variant);
        EncoderStack stack = read(xa.dim(-1));
        Sequences seqs = Sequences.uniform(xa.rank() == 3 ? xa.dim(0) : 1, xa.dim(-2));
        Inputs.requireWritable("-o", output.file);
        EncoderStack.Graphs g = stack.build(variant, seqs, attention);
        System.arraycopy(xv, 0, g.input(), 0, xv.length);
        try (Backend backend = run.backend()) {
            Profile p = backend.plan(g.graphs()).execute();
            if (run.profile) {
                System.err.print(p.table());
            }
        }
        Inputs.write(output.file, g.output(), xa.shape());
        return 0;
    }

    /** The layers of WEIGHTS ({@code layers.{i}.*}, {@code norm.*}), checked against X's width {@code d}. */
    private EncoderStack read(int d) {
        Map<String, NdArray> dict;
        try {
            dict = Npz.read(weights);
        } catch (IOException e) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + "): " + IoErrors.reason(weights, e), e);
        }
        TreeMap<Integer, Map<String, NdArray>> layers = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, NdArray> e : dict.entrySet()) {
            Matcher m = LAYER.matcher(e.getKey());
            if (m.matches()) {
                layers.computeIfAbsent(Integer.parseInt(m.group(1)), i -> new java.util.LinkedHashMap<>())
                        .put(m.group(2), e.getValue());
            } else if (!e.getKey().equals("norm.weight") && !e.getKey().equals("norm.bias")) {
                unknown.add(e.getKey());
            }
        }
        if (!unknown.isEmpty() || layers.isEmpty()) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + ") must hold layers.{i}.* and optionally"
                    + " norm.weight, norm.bias; " + (layers.isEmpty() ? "it has no layers" : "unexpected " + unknown));
        }
        if (layers.lastKey() != layers.size() - 1) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + "): layers must be numbered 0.." + (layers.size() - 1)
                    + ", found " + layers.keySet());
        }
        layer.check(d);
        List<EncoderBlock> blocks = new ArrayList<>();
        for (Map.Entry<Integer, Map<String, NdArray>> entry : layers.entrySet()) {
            CompressedBlock cb = WeightsFile.of("WEIGHTS (" + weights + ") layers." + entry.getKey(), entry.getValue(),
                    weightFormat);
            if (cb.reference().dModel() != d) {
                throw new IllegalArgumentException("X's last axis must be d_model = " + cb.reference().dModel()
                        + " (from WEIGHTS layers." + entry.getKey() + "), got " + d);
            }
            blocks.add(cb.block(layer.config(d, cb.reference().ffDim())));
        }
        float[] gamma = dict.containsKey("norm.weight") ? vector("norm.weight", dict.get("norm.weight"), d) : null;
        float[] beta = dict.containsKey("norm.bias") ? vector("norm.bias", dict.get("norm.bias"), d) : null;
        if ((gamma == null) != (beta == null)) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + "): the final norm needs norm.weight and norm.bias");
        }
        return new EncoderStack(blocks, gamma, beta, layer.eps);
    }

    private float[] vector(String name, NdArray a, int d) {
        if (a.rank() != 1 || a.dim(0) != d) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + "): " + name + " must be [" + d + "], got "
                    + a.describe());
        }
        return Inputs.floats(name, a);
    }
}
