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
 * <p><b>Warm-up by convergence.</b> When {@code maxWarmup > warmup}, each contender warms until its runs
 * stop improving: after at least {@code warmup} runs (and at least {@link #WINDOW} + 1), warm-up ends at the
 * first round where, for every contender, none of its last {@link #WINDOW} runs beat its best earlier run by
 * more than {@link #TOLERANCE}. It stops earlier at {@code maxWarmup} runs, or once it has taken
 * {@link #MAX_WARMUP_SECONDS} (and {@code warmup} runs are done): runs that long have warmed the JIT within
 * themselves, and on a loaded machine their best time keeps creeping down with the load, not the JIT. The
 * fastest run, not the median, is what the rule watches: other load only ever slows a run down, while the
 * JIT's compilations make it faster. When {@code maxWarmup == warmup} exactly {@code warmup} runs warm up.
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
    /** Warm-up by convergence takes at most this long (once the minimum runs are done). */
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
     * @param warmupRuns warm-up runs after which each contender's times had settled (see {@link #warmupText})
     * @param settled    whether it settled before the cap ({@code false} when the warm-up count was fixed)
     * @param rounds     warm-up rounds run (every contender ran that many)
     */
    public record Result(double[] medians, int[] warmupRuns, boolean[] settled, int rounds) {
        /** Contender {@code c}'s warm-up: {@code "7"}, or {@code "30*"} when it hit the cap unsettled. */
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
     * Times each of {@code runs} in rounds: every round runs each once, in order, so that on a shared machine a
     * slow spell hits all of them alike and their ratios hold. Warm-up rounds come first (see the class
     * comment). {@code progress} hears of each run as {@code labels.apply(contender)} and the round.
     */
    public Result interleaved(List<Runnable> runs, IntFunction<String> labels, Progress progress) {
        int c = runs.size();
        double[][] warm = new double[c][maxWarmup];
        int minRounds = converges() ? Math.max(warmup, WINDOW + 1) : warmup;
        int rounds = 0;
        long deadline = System.nanoTime() + MAX_WARMUP_SECONDS * 1_000_000_000L;
        while (rounds < maxWarmup && !(rounds >= minRounds && allSettled(warm, rounds))
                && !(converges() && rounds >= warmup && System.nanoTime() - deadline >= 0)) {
            for (int r = 0; r < c; r++) {
                progress.step(labels.apply(r) + " warm-up " + (rounds + 1),
                        fraction(rounds, r, c, Math.max(rounds + 1, minRounds)));
                warm[r][rounds] = timeMillis(runs.get(r));
            }
            rounds++;
        }
        int[] warmupRuns = new int[c];
        boolean[] settled = new boolean[c];
        for (int r = 0; r < c; r++) {
            warmupRuns[r] = converges() ? settledAfter(warm[r], rounds) : rounds;
            settled[r] = converges() && settled(warm[r], rounds);
        }
        double[][] ms = new double[c][repetitions];
        for (int i = 0; i < repetitions; i++) {
            for (int r = 0; r < c; r++) {
                progress.step(labels.apply(r) + " run " + (i + 1) + "/" + repetitions, fraction(rounds + i, r, c, rounds));
                ms[r][i] = timeMillis(runs.get(r));
            }
        }
        double[] medians = new double[c];
        for (int r = 0; r < c; r++) {
            medians[r] = median(ms[r]);
        }
        return new Result(medians, warmupRuns, settled, rounds);
    }

    /** {@link #interleaved}'s medians. */
    public double[] interleavedMedianMillis(List<Runnable> runs, IntFunction<String> labels, Progress progress) {
        return interleaved(runs, labels, progress).medians();
    }

    /** One line on the rule, for reports: "median of 3 runs after 5..30 warm-up runs, until ..." */
    public String describe() {
        if (!converges()) {
            return String.format(Locale.ROOT, "Median of %d runs after %d warm-up runs.", repetitions, warmup);
        }
        return String.format(Locale.ROOT, "Median of %d runs after warm-up by convergence: at least %d runs, then until"
                        + " none of a contender's last %d runs beats its best earlier run by more than %.0f %% (%d runs or"
                        + " more), at most %d runs or %d s (* = stopped at a cap).", repetitions, warmup, WINDOW,
                100 * TOLERANCE, WINDOW + 1, maxWarmup, MAX_WARMUP_SECONDS);
    }

    /** Whether every contender has settled after {@code rounds} warm-up runs. */
    private boolean allSettled(double[][] warm, int rounds) {
        if (!converges()) {
            return true;
        }
        for (double[] w : warm) {
            if (!settled(w, rounds)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the last {@link #WINDOW} of the first {@code rounds} times beat the best before them by at most the tolerance. */
    static boolean settled(double[] times, int rounds) {
        if (rounds <= WINDOW) {
            return false;
        }
        return min(times, rounds - WINDOW) <= (1 + TOLERANCE) * min(times, rounds);
    }

    /** The start of the run of warm-up counts, ending at {@code rounds}, after which the contender had settled. */
    static int settledAfter(double[] times, int rounds) {
        if (!settled(times, rounds)) {
            return rounds;
        }
        int first = rounds;
        while (first - 1 > WINDOW && settled(times, first - 1)) {
            first--;
        }
        return first;
    }

    private static double min(double[] values, int count) {
        double m = Double.POSITIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            m = Math.min(m, values[i]);
        }
        return m;
    }

    /**
     * The share of a measurement done before run {@code contender} of round {@code round} (warm-up rounds
     * first), counting {@code warmRounds} warm-up rounds in all: it only grows, and nears 1 at the last run.
     */
    private double fraction(int round, int contender, int contenders, int warmRounds) {
        return (round * (double) contenders + contender) / ((warmRounds + repetitions) * (double) contenders);
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
