package dev.squall.benchmarks;

import java.util.SplittableRandom;

/** Reproducible benchmark inputs. */
final class Inputs {
    private Inputs() {
    }

    /** {@code size} standard normal floats from {@code seed}. */
    static float[] gaussian(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
