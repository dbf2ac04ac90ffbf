package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.attention.FusedAttention;
import dev.squall.tasks.attention.FusedAttentionBackward;
import dev.squall.tasks.attention.LinearAttention;
import dev.squall.tasks.attention.LinearAttentionBackward;
import dev.squall.tasks.attention.WindowAttention;
import dev.squall.tasks.attention.WindowAttentionBackward;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Forward + backward of causal attention for training at growing sequence lengths: sliding window
 * ({@link WindowAttention#attentionWithLse}, {@link WindowAttentionBackward}), SLAB linear
 * ({@link LinearAttention#causalScan}, {@link LinearAttentionBackward}) and dense fused
 * ({@link FusedAttention#attentionWithLse}, {@link FusedAttentionBackward}), one sequence, on the JVM backend.
 * Prints per operation and length the median time of a forward and backward pass over interleaved rounds (each
 * round runs every length once, so ratios t(2T)/t(T) do not depend on which length met a slow spell), the bytes the
 * forward saves for the backward beyond Q, K, V, and the peak live bytes of both graphs ({@link GraphMemory}), with
 * the ratios to the previous length. Dense attention's unfused probabilities ({@code T·H·T} floats) are printed as a
 * count only. Not a JMH benchmark: a probe for the long-context figures in {@code docs/performance.md}.
 *
 * <p>Usage: {@code LongContextAttentionBench [lengths=2048,4096,8192] [heads=6] [d=64] [radius=256] [rounds=3]
 * [threads=1] [denseMax=4096] [ops=local:256,linear,dense fused]}, arguments as {@code key=value}.
 */
public final class LongContextAttentionBench {
    private LongContextAttentionBench() {
    }

    /** One operation at one length: its graphs and the arrays its forward saves. */
    private record Run(TaskGraph forward, TaskGraph backward, long savedBytes) {
    }

    public static void main(String[] args) {
        int[] lengths = {2048, 4096, 8192};
        int heads = 6;
        int d = 64;
        int radius = 256;
        int rounds = 3;
        int threads = 1;
        int denseMax = 4096;
        List<String> ops = null;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "lengths" -> lengths = Arrays.stream(kv[1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "heads" -> heads = Integer.parseInt(kv[1]);
                case "d" -> d = Integer.parseInt(kv[1]);
                case "radius" -> radius = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "threads" -> threads = Integer.parseInt(kv[1]);
                case "denseMax" -> denseMax = Integer.parseInt(kv[1]);
                case "ops" -> ops = List.of(kv[1].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        System.out.printf(Locale.ROOT, "causal attention forward+backward, 1 sequence, heads %d, d %d, %d thread(s),"
                + " median of %d interleaved rounds%n", heads, d, threads, rounds);
        System.out.printf(Locale.ROOT, "%-16s %6s %10s %7s %12s %7s %12s %7s%n", "op", "T", "ms", "t ratio", "saved B",
                "ratio", "peak B", "ratio");
        try (JvmBackend backend = new JvmBackend(threads)) {
            for (String op : ops != null ? ops : List.of("local:" + radius, "linear", "dense fused")) {
                if (!op.equals("linear") && !op.equals("dense fused") && !op.equals("local:" + radius)) {
                    throw new IllegalArgumentException("ops are local:<radius>, linear and 'dense fused', got " + op);
                }
                List<Integer> ts = new ArrayList<>();
                List<Run> runs = new ArrayList<>();
                for (int n : lengths) {
                    if (op.equals("dense fused") && n > denseMax) {
                        continue;
                    }
                    ts.add(n);
                    runs.add(build(op, n, heads, d, radius));
                }
                List<ExecutionPlan[]> plans = new ArrayList<>();
                for (Run r : runs) {
                    ExecutionPlan[] p = {backend.plan(r.forward()), backend.plan(r.backward())};
                    p[0].execute(); // JIT warm-up
                    p[1].execute();
                    plans.add(p);
                }
                double[][] millis = new double[runs.size()][rounds];
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < runs.size(); i++) {
                        long start = System.nanoTime();
                        plans.get(i)[0].execute();
                        plans.get(i)[1].execute();
                        millis[i][round] = (System.nanoTime() - start) / 1e6;
                    }
                }
                for (int i = 0; i < runs.size(); i++) {
                    Arrays.sort(millis[i]);
                    double med = millis[i][rounds / 2];
                    long saved = runs.get(i).savedBytes();
                    long peak = GraphMemory.of(List.of(runs.get(i).forward(), runs.get(i).backward())).peakLiveBytes();
                    String tr = "";
                    String sr = "";
                    String pr = "";
                    if (i > 0) {
                        Arrays.sort(millis[i - 1]);
                        tr = String.format(Locale.ROOT, "%.2f", med / millis[i - 1][rounds / 2]);
                        sr = String.format(Locale.ROOT, "%.2f", saved / (double) runs.get(i - 1).savedBytes());
                        pr = String.format(Locale.ROOT, "%.2f", peak / (double) GraphMemory.of(List.of(
                                runs.get(i - 1).forward(), runs.get(i - 1).backward())).peakLiveBytes());
                    }
                    System.out.printf(Locale.ROOT, "%-16s %6d %10.1f %7s %12d %7s %12d %7s%n", op, ts.get(i), med, tr,
                            saved, sr, peak, pr);
                }
            }
        }
        for (int n : lengths) {
            System.out.printf(Locale.ROOT, "dense unfused at T=%d would save P: %d bytes (T·H·T floats)%n", n,
                    4L * n * heads * n);
        }
    }

    private static Run build(String op, int n, int heads, int d, int radius) {
        int width = heads * d;
        int ld = 3 * width;
        int[] seqStart = {0, n};
        float[] qkv = Inputs.gaussian(n * ld, n);
        float[] dOut = Inputs.gaussian(n * width, n + 1);
        float[] out = new float[n * width];
        float[] dqkv = new float[n * ld];
        TaskGraph fwd = new TaskGraph("forward").transferToDevice(DataTransferMode.EVERY_EXECUTION, qkv, seqStart);
        TaskGraph bwd = new TaskGraph("backward").transferToDevice(DataTransferMode.EVERY_EXECUTION, qkv, seqStart, dOut);
        int blocks = FusedAttention.rows(seqStart, 1, heads);
        if (op.equals("linear")) {
            float[] state = new float[LinearAttention.stateSize(1, heads, d)];
            float[] coef = new float[LinearAttentionBackward.coefficientSize(n, heads)];
            fwd.task("causalScan", heads, LinearAttention::causalScan, qkv, qkv, qkv, state, out, seqStart, heads, d, ld,
                    width, 2 * width);
            bwd.task("dq", heads, LinearAttentionBackward::causalQueryGradient, qkv, out, dOut, state, coef, dqkv,
                            seqStart, heads, d, ld, width, 2 * width)
                    .task("dkv", heads, LinearAttentionBackward::causalKeyValueGradient, qkv, dOut, coef, state, dqkv,
                            seqStart, heads, d, ld, width, 2 * width);
            fwd.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            bwd.transferToDevice(DataTransferMode.EVERY_EXECUTION, out).transferToHost(DataTransferMode.EVERY_EXECUTION,
                    dqkv);
            return new Run(fwd, bwd, 4L * out.length);
        }
        float[] lse = new float[n * heads];
        float[] delta = new float[n * heads];
        if (op.equals("dense fused")) {
            fwd.task("forward", blocks, FusedAttention::attentionWithLse, qkv, qkv, qkv, out, lse, seqStart, heads, d, ld,
                    width, 2 * width, 1);
            bwd.task("dots", n * heads, FusedAttentionBackward::outputDots, out, dOut, delta, d)
                    .task("dq", blocks, FusedAttentionBackward::queryGradient, qkv, dOut, lse, delta, dqkv, seqStart,
                            heads, d, ld, width, 2 * width, 1)
                    .task("dkv", blocks, FusedAttentionBackward::keyValueGradient, qkv, dOut, lse, delta, dqkv, seqStart,
                            heads, d, ld, width, 2 * width, 1);
        } else {
            fwd.task("forward", blocks, WindowAttention::attentionWithLse, qkv, qkv, qkv, out, lse, seqStart, heads, d,
                    ld, width, 2 * width, 1, radius);
            bwd.task("dots", n * heads, FusedAttentionBackward::outputDots, out, dOut, delta, d)
                    .task("dq", blocks, WindowAttentionBackward::queryGradient, qkv, dOut, lse, delta, dqkv, seqStart,
                            heads, d, ld, width, 2 * width, 1, radius)
                    .task("dkv", blocks, WindowAttentionBackward::keyValueGradient, qkv, dOut, lse, delta, dqkv,
                            seqStart, heads, d, ld, width, 2 * width, 1, radius);
        }
        fwd.transferToHost(DataTransferMode.EVERY_EXECUTION, out, lse);
        bwd.transferToDevice(DataTransferMode.EVERY_EXECUTION, out, lse).transferToHost(DataTransferMode.EVERY_EXECUTION,
                dqkv);
        return new Run(fwd, bwd, 4L * (out.length + lse.length));
    }
}
