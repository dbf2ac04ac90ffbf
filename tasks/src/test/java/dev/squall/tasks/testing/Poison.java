package dev.squall.tasks.testing;

import java.util.Arrays;

/**
 * Fills kernel outputs with NaN before a run, so an element the kernel forgot to write (or read before
 * writing) shows up as NaN, which no check accepts.
 */
public final class Poison {
    private Poison() {
    }

    /** Overwrites every element of each array with NaN. */
    public static void fill(float[]... arrays) {
        for (float[] a : arrays) {
            Arrays.fill(a, Float.NaN);
        }
    }

    /** A new array of {@code n} NaNs. */
    public static float[] array(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }
}
