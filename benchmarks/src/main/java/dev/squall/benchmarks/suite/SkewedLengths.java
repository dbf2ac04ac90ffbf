package dev.squall.benchmarks.suite;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Seeded, right-skewed sequence lengths for padding benchmarks, shaped like the token counts of real
 * text batches (many short sequences, a long tail): log-normal with shape {@code sigma}, its location set
 * so that the mean before clipping is {@code meanFraction · maxLen}, rounded and clipped to
 * {@code [1, maxLen]}. Clipping pulls the mean slightly below the target (by about 1% at the defaults).
 *
 * @param maxLen       longest allowed length
 * @param meanFraction target mean length as a fraction of {@code maxLen}, in {@code (0, 1]}
 * @param sigma        log-normal shape (standard deviation of the log length), at least 0
 * @param seed         random seed: the same parameters always draw the same lengths
 */
public record SkewedLengths(int maxLen, double meanFraction, double sigma, long seed) {
    /** The benchmark default shape: σ = 0.8 puts the longest of 32 draws near 3 to 4 times the mean. */
    public static final double DEFAULT_SIGMA = 0.8;

    /** Checks the parameters. */
    public SkewedLengths {
        if (maxLen < 1 || !(meanFraction > 0 && meanFraction <= 1) || !(sigma >= 0)) {
            throw new IllegalArgumentException("need maxLen >= 1, mean fraction in (0, 1] and sigma >= 0, got "
                    + maxLen + ", " + meanFraction + ", " + sigma);
        }
    }

    /** {@code batch} lengths. */
    public int[] draw(int batch) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double mu = Math.log(meanFraction * maxLen) - sigma * sigma / 2;
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            long len = Math.round(Math.exp(mu + sigma * rnd.nextGaussian()));
            lengths[b] = (int) Math.max(1, Math.min(maxLen, len));
        }
        return lengths;
    }

    /** The target mean as a percentage of {@code maxLen}, e.g. {@code 25%} or {@code 12.5%}. */
    public String meanPercent() {
        return String.format(Locale.ROOT, "%.4g%%", 100 * meanFraction).replaceAll("\\.?0+%", "%");
    }

    /** One line for tables and reports. */
    public String describe() {
        return String.format(Locale.ROOT, "log-normal lengths, sigma %.2f, target mean %s of %d, clipped to [1, %d], "
                + "seed %d", sigma, meanPercent(), maxLen, maxLen, seed);
    }
}
