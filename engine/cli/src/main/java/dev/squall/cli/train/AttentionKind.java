package dev.squall.cli.train;

/** How the trainer computes causal attention and its backward pass. */
public enum AttentionKind {
    /** FlashAttention-2 style: saves the output and each row's log-sum-exp, recomputes probabilities; O(T·d). */
    FUSED,
    /** Scores and probabilities materialised and saved for the backward pass; O(T²) per head. */
    UNFUSED;

    /** The kind named {@code name}, or an error naming {@code --attention} and the choices. */
    public static AttentionKind parse(String name) {
        return Choices.parse(AttentionKind.class, "--attention", name);
    }
}
