package dev.squall.engine.model;

import java.util.Arrays;
import java.util.List;

/**
 * The normalisation of a GPT's blocks, the config field {@code "norm"}: nanoGPT's LayerNorm, SLAB's progressive
 * re-parameterised BatchNorm (PRepBN: trained as {@code λ·LayerNorm + (1 − λ)·RepBN}, evaluated as RepBN with
 * the running statistics), or a PRepBN model whose block norms {@code squall lm fold} has folded into the
 * following linear layers (no norm before attention and MLP; {@code ln_f} stays a RepBN).
 */
public enum NormKind {
    /** {@code "layernorm"}: nanoGPT's pre-LN blocks; the default, not written to the config. */
    LAYERNORM("layernorm"),
    /** {@code "prepbn"}: every norm a PRepBN. */
    PREPBN("prepbn"),
    /** {@code "folded"}: block norms folded into {@code c_attn} and {@code c_fc}; {@code ln_f} a RepBN. */
    FOLDED("folded");

    private final String json;

    NormKind(String json) {
        this.json = json;
    }

    /** The config's spelling. */
    public String json() {
        return json;
    }

    /** The kind spelled {@code s}, or an error listing the spellings. */
    public static NormKind parse(String s) {
        for (NormKind k : values()) {
            if (k.json.equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("norm must be one of " + spellings() + ", got \"" + s + "\"");
    }

    /** Every spelling, for messages. */
    public static List<String> spellings() {
        return Arrays.stream(values()).map(NormKind::json).toList();
    }
}
