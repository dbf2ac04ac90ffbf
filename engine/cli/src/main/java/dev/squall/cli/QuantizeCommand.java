package dev.squall.cli;

import dev.squall.engine.compress.CompressedLinear;
import dev.squall.engine.compress.CompressedStateDict;
import dev.squall.engine.compress.WeightFormat;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.benchmarks.report.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code squall quantize WEIGHTS.npz --format F -o OUT.npz}: compress the linear weights of a state dict. */
@Command(name = "quantize", resourceBundle = "dev.squall.cli.FormatHelp",
        description = {"Compress a state dict's linear weights to a weight format.",
        "Every linear weight (a float32/float16 matrix whose name ends in 'weight') of a state-dict .npz is "
                + "compressed; biases, norms and other arrays are copied.",
        "Formats: ${bundle:formats}.",
        "squall op block reads the result directly."})
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WEIGHTS.npz", description = "fp32 (or fp16) state dict")
    Path weights;
    @Option(names = "--format", required = true, paramLabel = "F", description = "Weight format, e.g. q8_0, q4_0, 2:4.")
    String format;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.npz", description = "Where to write.")
    Path output;

    @Override
    public Integer call() throws IOException {
        WeightFormat f;
        try {
            f = WeightFormats.parse(format);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format: " + e.getMessage(), e);
        }
        Map<String, NdArray> dict;
        try {
            dict = Npz.read(weights);
        } catch (IOException e) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + "): " + IoErrors.reason(weights, e), e);
        }
        if (!CompressedStateDict.compressedWeights(dict).isEmpty()) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + ") already holds compressed weights "
                    + CompressedStateDict.compressedWeights(dict) + "; quantize the fp32 weights instead");
        }
        Map<String, LinearLayer> layers;
        try {
            layers = CompressedStateDict.compressWeights(dict, f);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + "): " + e.getMessage(), e);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("WEIGHTS (" + weights + ") has no float matrix named '*weight' to "
                    + "compress; found " + dict.keySet());
        }
        try {
            Npz.write(output, CompressedStateDict.replace(dict, layers));
        } catch (IOException e) {
            throw new IOException("-o: " + e.getMessage(), e);
        }
        System.out.print(summary(dict, layers, f.name()).text());
        return 0;
    }

    /** Per weight: shape, bytes before and after, and the relative RMS error of the stored weight. */
    private static Table summary(Map<String, NdArray> dict, Map<String, LinearLayer> layers, String format) {
        Table.Builder t = Table.of("weight", "shape", "format", "bytes", format + " bytes", "ratio", "rel. RMS error");
        long before = 0;
        long after = 0;
        for (Map.Entry<String, LinearLayer> e : layers.entrySet()) {
            NdArray original = dict.get(e.getKey());
            long in = (long) original.size() * original.dtype().bytes();
            long out = e.getValue() instanceof CompressedLinear c ? c.weightBytes() : 4L * original.size();
            float[] w = original.toFloats();
            float[] hat = e.getValue() instanceof CompressedLinear c ? c.dequantize() : w;
            before += in;
            after += out;
            t.row(e.getKey(), Arrays.toString(original.shape()), e.getValue() instanceof CompressedLinear c
                            ? c.format() : "fp32", Long.toString(in), Long.toString(out), f("%.2fx", (double) in / out),
                    f("%.2e", relativeError(w, hat)));
        }
        t.row("total", "", "", Long.toString(before), Long.toString(after), f("%.2fx", (double) before / after), "");
        return t.build();
    }

    private static double relativeError(float[] w, float[] hat) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < w.length; i++) {
            num += ((double) w[i] - hat[i]) * ((double) w[i] - hat[i]);
            den += (double) w[i] * w[i];
        }
        return den == 0 ? 0 : Math.sqrt(num / den);
    }

    private static String f(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
