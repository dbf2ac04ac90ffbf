package dev.squall.benchmarks.suite;

import java.util.SplittableRandom;

/** Reproducible benchmark inputs: normal floats from a seed. */
public final class Inputs {
    private Inputs() {
    }

    /** {@code size} standard normal floats from {@code seed}. */
    public static float[] gaussian(int size, long seed) {
        return gaussian(new SplittableRandom(seed), size, 1);
    }

    /** The next {@code size} normal floats of {@code rnd}, with standard deviation {@code std}. */
    public static float[] gaussian(SplittableRandom rnd, int size, double std) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextGaussian() * std);
        }
        return x;
    }
}
