package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.optim.GradClip;
import dev.squall.tasks.precision.MixedPrecision;
import dev.squall.tasks.quant.ActivationCodes;
import dev.squall.tasks.testing.RandomArrays;

import java.util.ArrayList;
import java.util.List;

import static dev.squall.tornado.KernelCase.Built;
import static dev.squall.tornado.KernelCase.Output;

/**
 * The kernels of training memory: activation codes (pack then unpack, at 8, 4 and 2 bits, a partial last byte
 * and group) and mixed precision (bf16/fp16 rounding with specials, gradient scaling, inf/NaN flags and their
 * reduction). Codes, scales, minimums, roundings and flags must be identical bit for bit: they are integers or
 * single correctly rounded operations, and the random bits of stochastic rounding are an integer hash.
 */
final class TrainingMemoryKernelCases {
    private TrainingMemoryKernelCases() {
    }

    /** Every case of these families. */
    static List<KernelCase> all() {
        List<KernelCase> cases = new ArrayList<>(codes());
        cases.addAll(mixedPrecision());
        return cases;
    }

    static List<KernelCase> codes() {
        int rows = 5;
        int cols = 37;
        List<KernelCase> cases = new ArrayList<>();
        for (int[] bg : new int[][] {{8, 37}, {8, 5}, {4, 8}, {2, 12}}) {
            int bits = bg[0];
            int group = bg[1];
            cases.add(new KernelCase("ActivationCodes.pack, unpack int" + bits + " rows=5 cols=37 G=" + group, r -> {
                float[] x = r.gaussian(rows * cols, 0.5, 3);
                int groups = ActivationCodes.groups(cols, group);
                int rowBytes = ActivationCodes.rowBytes(cols, bits);
                byte[] codes = new byte[rows * rowBytes];
                float[] scales = new float[rows * groups];
                float[] mins = new float[rows * groups];
                float[] xHat = new float[rows * cols];
                TaskGraph g = new TaskGraph("codes" + bits)
                        .task("pack", rows, ActivationCodes::pack, x, codes, scales, mins, new int[] {20261203}, cols,
                                group, bits)
                        .task("unpack", rows, ActivationCodes::unpack, codes, scales, mins, xHat, cols, group, bits);
                return new Built(g, List.of(Output.exact("codes", codes, rowBytes), Output.exact("scales", scales,
                        groups), Output.exact("mins", mins, groups), new Output("xHat", xHat, cols)));
            }));
        }
        return cases;
    }

    /** One rounding kernel over random values and the specials (zeros, NaN, infinities, fp16 limits, subnormals). */
    private static KernelCase round(String kernel, int length, int chunk, boolean bf16) {
        return new KernelCase("MixedPrecision." + kernel + " length=" + length + " chunk=" + chunk + ", with specials",
                r -> {
            float[] x = r.gaussian(length, 0, 3e4);
            float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 65504f, 65520f,
                1e-8f, 0x1p-24f, 3.4e38f, Float.MIN_VALUE, 1.00390625f};
            System.arraycopy(specials, 0, x, 0, specials.length);
            float[] y = new float[length];
            int rows = GradClip.chunks(length, chunk);
            TaskGraph g = bf16 ? new TaskGraph(kernel).task(kernel, rows, MixedPrecision::roundBf16, x, y, length, chunk)
                    : new TaskGraph(kernel).task(kernel, rows, MixedPrecision::roundFp16, x, y, length, chunk);
            return new Built(g, List.of(Output.exact("y", y, length)));
        });
    }

    static List<KernelCase> mixedPrecision() {
        int length = 203;
        int chunk = 16;
        int rows = GradClip.chunks(length, chunk);
        return List.of(
                round("roundBf16", length, chunk, true),
                round("roundFp16", length, chunk, false),
                new KernelCase("MixedPrecision.scale, nonFiniteChunks, anyFlag over tensors of 37 and 203, chunk 16",
                        r -> {
                    int a = 37;
                    float[] g1 = new float[a];
                    float[] g2 = new float[length];
                    int slots1 = GradClip.chunks(a, chunk);
                    int[] flags = new int[slots1 + rows];
                    int[] found = new int[1];
                    float[] big = r.gaussian(length, 0, 1e-2);
                    big[77] = Float.POSITIVE_INFINITY;
                    big[150] = Float.NaN;
                    TaskGraph g = new TaskGraph("lossScale");
                    TrainingKernelCases.start(g, "g1", g1, r.gaussian(a), 1, a);
                    TrainingKernelCases.start(g, "g2", g2, big, 1, length);
                    g.task("unscale1", slots1, MixedPrecision::scale, g1, new float[] {1f / 65536f}, a, chunk)
                            .task("unscale2", rows, MixedPrecision::scale, g2, new float[] {1f / 1024f}, length, chunk)
                            .task("check1", slots1, MixedPrecision::nonFiniteChunks, g1, flags, a, chunk, 0)
                            .task("check2", rows, MixedPrecision::nonFiniteChunks, g2, flags, length, chunk, slots1)
                            .task("any", 1, MixedPrecision::anyFlag, flags, found, flags.length);
                    return new Built(g, List.of(Output.exact("g1", g1, a), Output.exact("g2", g2, length),
                            Output.exact("flags", flags, flags.length), Output.exact("found", found, 1)));
                }));
    }
}
