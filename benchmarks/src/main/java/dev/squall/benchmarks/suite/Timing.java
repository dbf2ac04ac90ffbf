package dev.squall.benchmarks.suite;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

/**
 * Side-by-side wall-clock timing for {@code squall bench}: warm-up runs (JIT compilation, caches), then
 * timed repetitions, reported as their median. JMH (the {@code benchmarks} module) is the tool for
 * careful micro-benchmarks; this is for whole graphs that run for milliseconds to seconds.
 *
 * @param warmup      untimed runs first
 * @param repetitions timed runs
 */
public record Timing(int warmup, int repetitions) {

    /** Checks the counts. */
    public Timing {
        if (warmup < 0 || repetitions < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --reps >= 1, got " + warmup + " and " + repetitions);
        }
    }

    /**
     * Median milliseconds of {@code run}; {@code progress} is told the index of each run before it starts
     * (warm-ups first, negative: {@code -warmup .. -1}, then {@code 0 .. repetitions-1}).
     */
    public double medianMillis(Runnable run, IntConsumer progress) {
        return interleavedMedianMillis(List.of(run), (r, i) -> progress.accept(i))[0];
    }

    /**
     * Median milliseconds of each of {@code runs}, timed in rounds: every round runs each once, in order, so
     * that on a shared machine a slow spell hits all of them alike and their ratios hold. {@code progress} is
     * told the run's index in {@code runs} and the round (warm-ups negative, as in {@link #medianMillis}).
     */
    public double[] interleavedMedianMillis(List<Runnable> runs, BiConsumer<Integer, Integer> progress) {
        for (int i = -warmup; i < 0; i++) {
            for (int r = 0; r < runs.size(); r++) {
                progress.accept(r, i);
                runs.get(r).run();
            }
        }
        double[][] ms = new double[runs.size()][repetitions];
        for (int i = 0; i < repetitions; i++) {
            for (int r = 0; r < runs.size(); r++) {
                progress.accept(r, i);
                long start = System.nanoTime();
                runs.get(r).run();
                ms[r][i] = (System.nanoTime() - start) / 1e6;
            }
        }
        double[] medians = new double[runs.size()];
        for (int r = 0; r < runs.size(); r++) {
            medians[r] = median(ms[r]);
        }
        return medians;
    }

    /** Progress text for round {@code i} as numbered by {@link #medianMillis}: "warm-up 2/5" or "run 1/3". */
    public String round(int i) {
        return i < 0 ? "warm-up " + (i + warmup + 1) + "/" + warmup : "run " + (i + 1) + "/" + repetitions;
    }

    /** The median of {@code values} (at least one), which it sorts. */
    public static double median(double[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
