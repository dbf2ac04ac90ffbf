package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.attention.CachedAttention;
import dev.squall.tasks.quant.Int8KvAttention;

import java.util.ArrayList;
import java.util.List;

import static dev.squall.tornado.KernelCase.Built;
import static dev.squall.tornado.KernelCase.Output;

/**
 * The decoder's KV cache kernels (fp32 and int8; its token + position embedding is among
 * {@link TrainingKernelCases}): a prefix of 70 tokens (more than a {@code KeyStream} tile) appended at position 0
 * and 3 new tokens at position 70, so the appends cover the whole cache, then the new tokens' attention over it,
 * dense and with a window.
 */
final class DecoderKernelCases {
    private static final int HEADS = 2;
    private static final int D = 8;
    private static final int PREFIX = 70;
    private static final int NEW = 3;

    private DecoderKernelCases() {
    }

    static List<KernelCase> all() {
        List<KernelCase> cases = new ArrayList<>();
        for (int window : new int[] {PREFIX + NEW, 5}) {
            String shape = " prefix " + PREFIX + " + " + NEW + " new, heads " + HEADS + " d " + D + ", window " + window;
            cases.add(new KernelCase("CachedAttention.append, CachedAttention.attention" + shape, r -> {
                int width = HEADS * D;
                float[] prefix = r.gaussian(PREFIX * 3 * width);
                float[] step = r.gaussian(NEW * 3 * width);
                float[] kCache = new float[(PREFIX + NEW) * width];
                float[] vCache = new float[kCache.length];
                float[] out = new float[NEW * width];
                TaskGraph g = new TaskGraph("cached")
                        .task("prefix", PREFIX * HEADS, CachedAttention::append, prefix, kCache, vCache, new int[] {0},
                                HEADS, D, 3 * width, width, 2 * width)
                        .task("append", NEW * HEADS, CachedAttention::append, step, kCache, vCache,
                                new int[] {PREFIX}, HEADS, D, 3 * width, width, 2 * width)
                        .task("attention", NEW * HEADS, CachedAttention::attention, step, kCache, vCache, out,
                                new int[] {PREFIX}, HEADS, D, 3 * width, window);
                return new Built(g, List.of(Output.exact("kCache", kCache, width), Output.exact("vCache", vCache, width),
                        new Output("out", out, width)));
            }));
            cases.add(new KernelCase("Int8KvAttention.append, Int8KvAttention.cachedAttention" + shape, r -> {
                int width = HEADS * D;
                int rows = (PREFIX + NEW) * HEADS;
                float[] prefix = r.gaussian(PREFIX * 3 * width);
                float[] step = r.gaussian(NEW * 3 * width);
                byte[] kCache = new byte[rows * D];
                byte[] vCache = new byte[rows * D];
                float[] kScales = new float[rows];
                float[] vScales = new float[rows];
                float[] out = new float[NEW * width];
                int[] zero = {0};
                int[] at = {PREFIX};
                TaskGraph g = new TaskGraph("int8cached")
                        .task("prefixK", PREFIX * HEADS, Int8KvAttention::append, prefix, kCache, kScales, zero, HEADS,
                                D, 3 * width, width)
                        .task("prefixV", PREFIX * HEADS, Int8KvAttention::append, prefix, vCache, vScales, zero, HEADS,
                                D, 3 * width, 2 * width)
                        .task("appendK", NEW * HEADS, Int8KvAttention::append, step, kCache, kScales, at, HEADS, D,
                                3 * width, width)
                        .task("appendV", NEW * HEADS, Int8KvAttention::append, step, vCache, vScales, at, HEADS, D,
                                3 * width, 2 * width)
                        .task("attention", NEW * HEADS, Int8KvAttention::cachedAttention, step, kCache, kScales,
                                vCache, vScales, out, at, HEADS, D, 3 * width, window);
                return new Built(g, List.of(Output.exact("kCache", kCache, D), new Output("kScales", kScales, HEADS),
                        Output.exact("vCache", vCache, D), new Output("vScales", vScales, HEADS),
                        new Output("out", out, width)));
            }));
        }
        return cases;
    }
}
