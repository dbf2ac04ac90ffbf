package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.benchmarks.suite.Progress;
import dev.squall.benchmarks.suite.Timing;
import dev.squall.engine.jvm.fast.precision.MixedPrecisionVector;
import dev.squall.engine.jvm.fast.quant.ActivationCodesVector;
import dev.squall.tasks.precision.MixedPrecision;
import dev.squall.tasks.quant.ActivationCodes;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the training-memory kernels, plain against fast path, one thread: pack and unpack of
 * {@link ActivationCodes} / {@link ActivationCodesVector} for 8, 4 and 2 bits, and the bf16 / fp16 rounding of
 * {@link MixedPrecision} / {@link MixedPrecisionVector}; in interleaved rounds (every round runs each variant once, so a busy
 * spell of a shared machine hits all alike), median of the rounds. GB/s counts the fp32 bytes of the tensor (read
 * by pack and rounding, written by unpack). Default tensor: the saved MLP input of the 6×384 GPT at batch 12 × 256 tokens,
 * {@code 3072 × 384} (4.7 MB fp32), groups of 128. Run:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *       dev.squall.benchmarks.TrainingMemoryBench [rows cols group rounds]
 * </pre>
 */
public final class TrainingMemoryBench {
    private TrainingMemoryBench() {
    }

    /** Prints one line per width and operation. */
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 3072;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 384;
        int group = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        float[] x = Inputs.gaussian(rows * cols, 5);
        float[] out = new float[x.length];
        int groups = ActivationCodes.groups(cols, group);
        int[] seed = {1};
        List<Runnable> runs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int bits : new int[] {8, 4, 2}) {
            byte[] codes = new byte[rows * ActivationCodes.rowBytes(cols, bits)];
            float[] scales = new float[rows * groups];
            float[] mins = new float[rows * groups];
            names.add("int" + bits + " pack   plain");
            runs.add(() -> ActivationCodes.pack(x, codes, scales, mins, seed, cols, group, bits, 0, rows));
            names.add("int" + bits + " pack   fast");
            runs.add(() -> ActivationCodesVector.pack(x, codes, scales, mins, seed, cols, group, bits, 0, rows));
            names.add("int" + bits + " unpack plain");
            runs.add(() -> ActivationCodes.unpack(codes, scales, mins, out, cols, group, bits, 0, rows));
            names.add("int" + bits + " unpack fast");
            runs.add(() -> ActivationCodesVector.unpack(codes, scales, mins, out, cols, group, bits, 0, rows));
        }
        int chunk = cols;
        names.add("bf16 round   plain");
        runs.add(() -> MixedPrecision.roundBf16(x, out, x.length, chunk, 0, rows));
        names.add("bf16 round   fast");
        runs.add(() -> MixedPrecisionVector.roundBf16(x, out, x.length, chunk, 0, rows));
        names.add("fp16 round   plain");
        runs.add(() -> MixedPrecision.roundFp16(x, out, x.length, chunk, 0, rows));
        names.add("fp16 round   fast");
        runs.add(() -> MixedPrecisionVector.roundFp16(x, out, x.length, chunk, 0, rows));
        double[] ms = new Timing(rounds, rounds).interleavedMedianMillis(runs, names::get, Progress.NONE);
        double gb = 4.0 * rows * cols / 1e9;
        System.out.printf(Locale.ROOT, "tensor %d x %d fp32 (%.1f MB), groups of %d, 1 thread, median of %d rounds%n",
                rows, cols, gb * 1e3, group, rounds);
        for (int i = 0; i < runs.size(); i++) {
            double gbs = gb / (ms[i] / 1e3);
            String speedup = i % 2 == 1 ? String.format(Locale.ROOT, "  (%.1fx plain)", ms[i - 1] / ms[i]) : "";
            System.out.printf(Locale.ROOT, "%-20s %8.3f ms %7.2f GB/s%s%n", names.get(i), ms[i], gbs, speedup);
        }
    }
}
