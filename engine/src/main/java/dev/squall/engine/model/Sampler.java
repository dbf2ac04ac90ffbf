package dev.squall.engine.model;

import java.util.SplittableRandom;

/**
 * Chooses tokens from logits as a {@link Sampling} says, host-side and in double precision. Candidates are
 * ranked by probability, ties by the lower id; top-k and top-p take the head of that ranking from a binary heap
 * (O(V + m·log V) for m candidates), so a whole vocabulary is never sorted per token. The draw walks the kept
 * candidates in rank order against one uniform number from a {@link SplittableRandom} seeded once: the same seed
 * and logits give the same tokens on any machine and thread count.
 */
public final class Sampler {
    private final Sampling sampling;
    private final SplittableRandom random;
    private double[] probs = new double[0];
    private long[] heap = new long[0];
    private int[] kept = new int[0];

    /** A sampler drawing with {@code sampling}. */
    public Sampler(Sampling sampling) {
        this.sampling = sampling;
        this.random = new SplittableRandom(sampling.seed());
    }

    /** The next token from {@code logits[offset .. offset + vocab)}. */
    public int next(float[] logits, int offset, int vocab) {
        if (sampling.greedy()) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[offset + i] > logits[offset + best]) {
                    best = i;
                }
            }
            return best;
        }
        if (probs.length < vocab) {
            probs = new double[vocab];
            heap = new long[vocab];
            kept = new int[vocab];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            probs[i] = Math.exp((logits[offset + i] - max) / sampling.temperature());
            sum += probs[i];
        }
        int n = vocab;
        for (int i = 0; i < vocab; i++) {
            probs[i] /= sum;
            heap[i] = key(probs[i], i);
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(heap, i, n);
        }
        int limit = sampling.topK() > 0 ? Math.min(sampling.topK(), vocab) : vocab;
        int count = 0;
        double mass = 0;
        while (count < limit && n > 0 && (count == 0 || mass < sampling.topP())) {
            int id = ~(int) heap[0];
            kept[count++] = id;
            mass += probs[id];
            heap[0] = heap[--n];
            siftDown(heap, 0, n);
        }
        double u = random.nextDouble() * mass;
        double acc = 0;
        for (int i = 0; i < count - 1; i++) {
            acc += probs[kept[i]];
            if (u < acc) {
                return kept[i];
            }
        }
        return kept[count - 1];
    }

    /** Orders by probability, then by the lower id (the low half holds {@code ~id}). */
    private static long key(double p, int id) {
        return ((long) Float.floatToIntBits((float) p) << 32) | (~id & 0xffffffffL);
    }

    private static void siftDown(long[] h, int i, int n) {
        long v = h[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && h[child + 1] > h[child]) {
                child++;
            }
            if (h[child] <= v) {
                break;
            }
            h[i] = h[child];
            i = child;
        }
        h[i] = v;
    }
}
