package dev.squall.engine.pipeline;

import java.util.Arrays;

/** Splitting a model's layers into contiguous stages. */
public final class StageBalance {
    private StageBalance() {}

    /**
     * The contiguous split of layers with parameter counts {@code layerParameters} into {@code stages} non-empty
     * ranges that minimises the largest stage's parameter count; among such splits, the one whose earlier stages
     * are as large as possible (so a tie puts the extra layer first).
     *
     * @return the number of layers of each stage
     */
    public static int[] byParameters(long[] layerParameters, int stages) {
        int n = layerParameters.length;
        if (stages < 1 || stages > n) {
            throw new IllegalArgumentException("--pipeline-stages: must be between 1 and the " + n
                    + " layers, got " + stages);
        }
        long[] prefix = new long[n + 1];
        for (int i = 0; i < n; i++) {
            if (layerParameters[i] < 0) {
                throw new IllegalArgumentException("layer " + i + " has a negative parameter count");
            }
            prefix[i + 1] = prefix[i] + layerParameters[i];
        }
        // best[k][i]: the smallest possible largest stage when the last i layers form k stages.
        long[][] best = new long[stages + 1][n + 1];
        for (long[] row : best) {
            Arrays.fill(row, Long.MAX_VALUE);
        }
        best[0][0] = 0;
        for (int k = 1; k <= stages; k++) {
            for (int i = k; i <= n; i++) {
                for (int first = 1; first <= i - k + 1; first++) {
                    long rest = best[k - 1][i - first];
                    if (rest == Long.MAX_VALUE) {
                        continue;
                    }
                    long head = prefix[n - i + first] - prefix[n - i];
                    best[k][i] = Math.min(best[k][i], Math.max(head, rest));
                }
            }
        }
        int[] sizes = new int[stages];
        int remaining = n;
        for (int k = stages; k >= 1; k--) {
            long target = best[k][remaining];
            for (int first = remaining - k + 1; first >= 1; first--) {
                long head = prefix[n - remaining + first] - prefix[n - remaining];
                long rest = best[k - 1][remaining - first];
                if (rest != Long.MAX_VALUE && Math.max(head, rest) == target) {
                    sizes[stages - k] = first;
                    remaining -= first;
                    break;
                }
            }
        }
        return sizes;
    }

    /**
     * Parses {@code --stage-layers} ("2,2"): one positive layer count per stage, summing to {@code layers}.
     */
    public static int[] parse(String spec, int stages, int layers) {
        return check(parseCounts(spec, stages), layers);
    }

    /** Parses {@code --stage-layers} ("2,2") into one positive layer count per stage, without knowing the model. */
    public static int[] parseCounts(String spec, int stages) {
        String[] parts = spec.split(",", -1);
        if (parts.length != stages) {
            throw new IllegalArgumentException("--stage-layers: expected " + stages + " counts (one per stage), got '"
                    + spec + "'");
        }
        int[] sizes = new int[stages];
        for (int s = 0; s < stages; s++) {
            try {
                sizes[s] = Integer.parseInt(parts[s].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--stage-layers: '" + parts[s] + "' is not a whole number");
            }
            if (sizes[s] < 1) {
                throw new IllegalArgumentException("--stage-layers: stage " + s + " needs at least one layer, got "
                        + sizes[s]);
            }
        }
        return sizes;
    }

    /** Checks that the stages' layer counts {@code sizes} cover a model of {@code layers} layers; returns them. */
    public static int[] check(int[] sizes, int layers) {
        int sum = 0;
        for (int size : sizes) {
            sum += size;
        }
        if (sum != layers) {
            throw new IllegalArgumentException("--stage-layers: counts sum to " + sum + ", the model has " + layers
                    + " layers");
        }
        return sizes;
    }

    /** The index of each stage's first layer: {@code [0, sizes[0], sizes[0] + sizes[1], …]}. */
    public static int[] starts(int[] sizes) {
        int[] starts = new int[sizes.length];
        for (int s = 1; s < sizes.length; s++) {
            starts[s] = starts[s - 1] + sizes[s - 1];
        }
        return starts;
    }
}
