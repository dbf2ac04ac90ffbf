package dev.squall.engine.train;

import java.util.Set;

/**
 * Which activations a training step keeps for the backward and which it recomputes there (issue 18). The
 * recomputation repeats the forward's kernels on the same inputs, so gradients and weights are bit-identical to
 * {@link #NONE}; only the memory between the forward and the backward and the step time change.
 */
public enum Recompute {
    /** Everything the backward reads is saved by the forward. */
    NONE(Set.of("residual", "ln_out", "qkv", "attn_out", "lse", "probs", "mlp_pre", "mlp_act")),
    /**
     * Korthikanti et al. 2022, extended as issue 18 asks: keep the block's input, {@code x2} (the second
     * LayerNorm's input) and the GEMM outputs {@code qkv} and the GELU input; recompute both LayerNorm outputs, the
     * attention (its output and log-sum-exp or probabilities) and the GELU output in the backward.
     */
    SELECTIVE(Set.of("residual", "qkv", "mlp_pre")),
    /** Chen et al. 2016: keep only each block's input; its forward reruns before its backward. */
    FULL(Set.of());

    private final Set<String> kept;

    Recompute(Set<String> kept) {
        this.kept = kept;
    }

    /** Whether the forward keeps the saved arrays of {@code kind} ({@link BlockGraphs#saved}) for the backward. */
    boolean keeps(String kind) {
        return kept.contains(kind);
    }

    /**
     * Parses {@code none}, {@code selective} or {@code full}.
     *
     * @throws IllegalArgumentException naming {@code option} and the choices
     */
    public static Recompute parse(String option, String value) {
        for (Recompute r : values()) {
            if (r.name().toLowerCase(java.util.Locale.ROOT).equals(value)) {
                return r;
            }
        }
        throw new IllegalArgumentException(option + " must be none, selective or full, got '" + value + "'");
    }
}
