package dev.squall.benchmarks.suite;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * Side-by-side wall-clock timing for {@code squall bench}: warm-up runs (JIT compilation, caches), then
 * timed repetitions, reported as their median. JMH (the {@code benchmarks} module) is the tool for
 * careful micro-benchmarks; this is for whole graphs that run for milliseconds to seconds.
 *
 * <p><b>Warm-up by convergence.</b> When {@code maxWarmup > warmup}, each contender warms until its own runs
 * stop improving: after at least {@code warmup} runs (and at least {@link #WINDOW} + 1), until none of its last
 * {@link #WINDOW} runs beats its best earlier run by more than {@link #TOLERANCE}. The fastest run, not the
 * median, is what the rule watches: other load only ever slows a run down, while the JIT's compilations make
 * it faster. A contender stops warming earlier at {@code maxWarmup} runs, or once its warm-up runs have taken
 * {@link #MAX_WARMUP_SECONDS} (and {@code warmup} runs are done): runs that long have warmed the JIT within
 * themselves, and on a loaded machine their best time keeps creeping down with the load, not the JIT. The
 * contenders still warming run in rounds, so that a slow contender does not hold back a fast one (the
 * attention-pattern suite times lengths 64× apart together). When {@code maxWarmup == warmup}, exactly
 * {@code warmup} runs warm each contender up.
 *
 * @param warmup      untimed runs first: at least this many (exactly this many when {@code maxWarmup == warmup})
 * @param maxWarmup   at most this many warm-up runs
 * @param repetitions timed runs
 */
public record Timing(int warmup, int maxWarmup, int repetitions) {
    /** Runs the convergence rule looks back over. */
    public static final int WINDOW = 5;
    /** The improvement over {@link #WINDOW} runs below which a contender counts as warm: 5 %. */
    public static final double TOLERANCE = 0.05;
    /** A contender's warm-up by convergence takes at most this long (once the minimum runs are done). */
    public static final int MAX_WARMUP_SECONDS = 30;

    /** Checks the counts. */
    public Timing {
        if (warmup < 0 || repetitions < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --reps >= 1, got " + warmup + " and " + repetitions);
        }
        if (maxWarmup < warmup) {
            throw new IllegalArgumentException("--warmup-max must be >= --warmup, got " + maxWarmup + " and " + warmup);
        }
    }

    /** Exactly {@code warmup} warm-up runs, then {@code repetitions} timed runs. */
    public Timing(int warmup, int repetitions) {
        this(warmup, warmup, repetitions);
    }

    /** Whether warm-up runs until convergence (else it is a fixed count). */
    public boolean converges() {
        return maxWarmup > warmup;
    }

    /**
     * What happened to each contender of one interleaved measurement.
     *
     * @param medians    median milliseconds of the timed runs
     * @param warmupRuns warm-up runs of each contender
     * @param settled    whether its times settled before a cap ({@code false} when the warm-up count was fixed)
     */
    public record Result(double[] medians, int[] warmupRuns, boolean[] settled) {
        /** Contender {@code c}'s warm-up: {@code "7"}, or {@code "30*"} when it stopped at a cap unsettled. */
        public String warmupText(int c, Timing timing) {
            return warmupRuns[c] + (timing.converges() && !settled[c] ? "*" : "");
        }

        /** Every contender's {@link #warmupText}, separated by {@code /}. */
        public String warmupText(Timing timing) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < medians.length; c++) {
                sb.append(c == 0 ? "" : "/").append(warmupText(c, timing));
            }
            return sb.toString();
        }
    }

    /**
     * Median milliseconds of {@code run}; {@code progress} hears of each run as {@code label} and the round
     * ("warm-up 3", "run 2/3").
     */
    public double medianMillis(Runnable run, String label, Progress progress) {
        return interleaved(List.of(run), c -> label, progress).medians()[0];
    }

    /**
     * Times each of {@code runs}: warm-up first (see the class comment), then timed rounds in which every
     * contender runs once, in order, so that on a shared machine a slow spell hits all of them alike and their
     * ratios hold. {@code progress} hears of each run as {@code labels.apply(contender)} and the round.
     */
    public Result interleaved(List<Runnable> runs, IntFunction<String> labels, Progress progress) {
        int c = runs.size();
        double[][] warm = new double[c][maxWarmup];
        int[] count = new int[c];
        double[] spentMillis = new double[c];
        boolean[] warming = new boolean[c];
        for (int r = 0; r < c; r++) {
            warming[r] = !warmedUp(warm[r], 0, 0);
        }
        int done = 0;
        while (anyTrue(warming)) {
            for (int r = 0; r < c; r++) {
                if (warming[r]) {
                    progress.step(labels.apply(r) + " warm-up " + (count[r] + 1), done / (double) (done
                            + runsStillNeeded(count, warming) + (long) repetitions * c));
                    warm[r][count[r]] = timeMillis(runs.get(r));
                    spentMillis[r] += warm[r][count[r]];
                    count[r]++;
                    done++;
                }
            }
            for (int r = 0; r < c; r++) {
                warming[r] = warming[r] && !warmedUp(warm[r], count[r], spentMillis[r]);
            }
        }
        boolean[] settled = new boolean[c];
        for (int r = 0; r < c; r++) {
            settled[r] = converges() && settled(warm[r], count[r]);
        }
        double[][] ms = new double[c][repetitions];
        for (int i = 0; i < repetitions; i++) {
            for (int r = 0; r < c; r++) {
                progress.step(labels.apply(r) + " run " + (i + 1) + "/" + repetitions,
                        done / (double) (done + (long) (repetitions - i) * c - r));
                ms[r][i] = timeMillis(runs.get(r));
                done++;
            }
        }
        double[] medians = new double[c];
        for (int r = 0; r < c; r++) {
            medians[r] = median(ms[r]);
        }
        return new Result(medians, count, settled);
    }

    /** {@link #interleaved}'s medians. */
    public double[] interleavedMedianMillis(List<Runnable> runs, IntFunction<String> labels, Progress progress) {
        return interleaved(runs, labels, progress).medians();
    }

    /** One line on the rule, for reports: "Median of 3 runs after warm-up by convergence: ..." */
    public String describe() {
        if (!converges()) {
            return String.format(Locale.ROOT, "Median of %d runs after %d warm-up runs.", repetitions, warmup);
        }
        return String.format(Locale.ROOT, "Median of %d runs after warm-up by convergence: each contender at least %d "
                        + "runs, then until none of its last %d runs beats its best earlier run by more than %.0f %% (%d "
                        + "runs or more), at most %d runs or %d s (* = stopped at a cap).", repetitions, warmup, WINDOW,
                100 * TOLERANCE, WINDOW + 1, maxWarmup, MAX_WARMUP_SECONDS);
    }

    /** Whether a contender with {@code runs} warm-up {@code times} (taking {@code spentMillis}) is done warming. */
    private boolean warmedUp(double[] times, int runs, double spentMillis) {
        if (runs >= maxWarmup) {
            return true;
        }
        return converges() && runs >= warmup
                && (settled(times, runs) || spentMillis >= MAX_WARMUP_SECONDS * 1000.0);
    }

    /** The warm-up runs the contenders still warming need at least: one more each, or up to the minimum. */
    private int runsStillNeeded(int[] count, boolean[] warming) {
        int minimum = converges() ? Math.max(warmup, WINDOW + 1) : warmup;
        int needed = 0;
        for (int r = 0; r < count.length; r++) {
            needed += warming[r] ? Math.max(1, minimum - count[r]) : 0;
        }
        return needed;
    }

    /** Whether the last {@link #WINDOW} of the first {@code runs} times beat the best before them by at most the tolerance. */
    static boolean settled(double[] times, int runs) {
        if (runs <= WINDOW) {
            return false;
        }
        return min(times, runs - WINDOW) <= (1 + TOLERANCE) * min(times, runs);
    }

    private static double min(double[] values, int count) {
        double m = Double.POSITIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            m = Math.min(m, values[i]);
        }
        return m;
    }

    private static boolean anyTrue(boolean[] flags) {
        for (boolean f : flags) {
            if (f) {
                return true;
            }
        }
        return false;
    }

    private static double timeMillis(Runnable run) {
        long start = System.nanoTime();
        run.run();
        return (System.nanoTime() - start) / 1e6;
    }

    /** The median of {@code values} (at least one), which it sorts. */
    public static double median(double[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
