package dev.squall.tasks.testing;

import java.util.SplittableRandom;

/**
 * Reproducible random test inputs: every value drawn by one instance follows from its {@link #seed()}.
 * Create one per test case with {@link #fresh()} and put its seed into the {@link Subject} of the checks.
 */
public final class RandomArrays {
    private final long seed;
    private final SplittableRandom random;

    private RandomArrays(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** A generator with a fresh seed (see {@link Seeds#fresh()}). */
    public static RandomArrays fresh() {
        return new RandomArrays(Seeds.fresh());
    }

    /** A generator with a fixed seed, for inputs that must not vary between runs. */
    public static RandomArrays withSeed(long seed) {
        return new RandomArrays(seed);
    }

    /** The seed this generator started from. */
    public long seed() {
        return seed;
    }

    /** {@code n} floats drawn from the standard normal distribution. */
    public float[] gaussian(int n) {
        return gaussian(n, 0, 1);
    }

    /** {@code n} floats drawn from a normal distribution with the given mean and standard deviation. */
    public float[] gaussian(int n, double mean, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (mean + std * random.nextGaussian());
        }
        return x;
    }

    /** {@code n} floats drawn uniformly from {@code [lo, hi)}. */
    public float[] uniform(int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble(lo, hi);
        }
        return x;
    }

    /**
     * {@code n} floats of random sign whose magnitudes are log-uniform in {@code [minAbs, maxAbs)}: every
     * binade is equally likely, so a wide range (subnormals to huge values) is covered evenly.
     */
    public float[] logUniform(int n, double minAbs, double maxAbs) {
        double lo = Math.log(minAbs);
        double hi = Math.log(maxAbs);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double magnitude = Math.exp(random.nextDouble(lo, hi));
            x[i] = (float) (random.nextBoolean() ? magnitude : -magnitude);
        }
        return x;
    }

    /** A uniform integer in {@code [lo, hi]} (both inclusive). */
    public int nextInt(int lo, int hi) {
        return random.nextInt(lo, hi + 1);
    }

    /** A uniform double in {@code [lo, hi)}. */
    public double nextDouble(double lo, double hi) {
        return random.nextDouble(lo, hi);
    }

    /** {@code true} with probability {@code p}. */
    public boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** Shuffles {@code values} in place (Fisher–Yates). */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }
}
