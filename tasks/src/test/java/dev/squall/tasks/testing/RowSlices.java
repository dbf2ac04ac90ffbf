package dev.squall.tasks.testing;

import java.util.Arrays;

/**
 * Runs a kernel over its parallel rows the way a backend may: as one whole-range call or as several
 * {@code (rowOffset, rowCount)} slices in any order. {@link #run} proves that the result does not depend
 * on the split, bit for bit, which is what lets the JVM backend hand each thread a slice and a device
 * backend run all rows at once.
 */
public final class RowSlices {
    /** How many random splits {@link #run} tries after the whole-range call. */
    public static final int SPLITS = 3;

    /** A kernel call with everything bound but its trailing {@code (rowOffset, rowCount)} parameters. */
    @FunctionalInterface
    public interface RowKernel {
        /** Runs the kernel on rows {@code [rowOffset, rowOffset + rowCount)}. */
        void run(int rowOffset, int rowCount);
    }

    private RowSlices() {
    }

    /**
     * Poisons {@code outputs} and runs {@code kernel} on rows {@code [0, rows)} in one call, then
     * {@link #SPLITS} more times, poisoned again each time, as random slices in random order (empty
     * slices included), and fails unless every split leaves every output bit-identical to the
     * whole-range call. On return the outputs hold the kernel's result, ready to compare with a reference.
     */
    public static void run(Subject subject, RandomArrays random, int rows, RowKernel kernel, float[]... outputs) {
        run(subject, random, rows, kernel, () -> Poison.fill(outputs), outputs);
    }

    /**
     * {@link #run} for kernels that accumulate into (some of) their outputs: before every run each output is
     * reset to its {@code initial} contents instead of poisoned (pass {@link Poison#array} for an output the
     * kernel only writes, values for one it adds to), so every split starts from the same state.
     */
    public static void runFrom(Subject subject, RandomArrays random, int rows, RowKernel kernel, float[][] initial,
                               float[]... outputs) {
        if (initial.length != outputs.length) {
            throw new IllegalArgumentException(initial.length + " initial contents for " + outputs.length + " outputs");
        }
        run(subject, random, rows, kernel, () -> {
            for (int o = 0; o < outputs.length; o++) {
                System.arraycopy(initial[o], 0, outputs[o], 0, outputs[o].length);
            }
        }, outputs);
    }

    private static void run(Subject subject, RandomArrays random, int rows, RowKernel kernel, Runnable reset,
                            float[][] outputs) {
        reset.run();
        kernel.run(0, rows);
        float[][] whole = new float[outputs.length][];
        for (int o = 0; o < outputs.length; o++) {
            whole[o] = outputs[o].clone();
        }
        for (int split = 0; split < SPLITS; split++) {
            reset.run();
            int[][] slices = slices(rows, random);
            for (int[] slice : slices) {
                kernel.run(slice[0], slice[1]);
            }
            for (int o = 0; o < outputs.length; o++) {
                BitExact.assertIdentical(subject.with("output #" + o + " split into " + describe(slices)),
                        whole[o], outputs[o]);
            }
        }
    }

    /**
     * A random split of rows {@code [0, rows)} into {@code (rowOffset, rowCount)} slices, in random
     * order; some slices may be empty.
     */
    public static int[][] slices(int rows, RandomArrays random) {
        int pieces = random.nextInt(1, Math.min(rows, 6) + 1);
        int[] cuts = new int[pieces + 1];
        cuts[pieces] = rows;
        for (int p = 1; p < pieces; p++) {
            cuts[p] = random.nextInt(0, rows);
        }
        Arrays.sort(cuts);
        int[] order = new int[pieces];
        for (int p = 0; p < pieces; p++) {
            order[p] = p;
        }
        random.shuffle(order);
        int[][] slices = new int[pieces][];
        for (int p = 0; p < pieces; p++) {
            int s = order[p];
            slices[p] = new int[] {cuts[s], cuts[s + 1] - cuts[s]};
        }
        return slices;
    }

    private static String describe(int[][] slices) {
        StringBuilder sb = new StringBuilder();
        for (int[] s : slices) {
            sb.append(sb.isEmpty() ? "" : ",").append('[').append(s[0]).append('+').append(s[1]).append(')');
        }
        return sb.toString();
    }
}
