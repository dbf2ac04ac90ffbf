package dev.squall.engine.memory;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.optim.GradClip;
import dev.squall.tasks.precision.MixedPrecision;

import java.util.Locale;

/**
 * The arithmetic precision of a training step ({@code --precision fp32|bf16|fp16}): master weights, gradients
 * and optimizer state stay fp32; with bf16 or fp16 the forward and backward kernels read weight copies and
 * activations rounded to that format ({@link #addRound}) and accumulate in fp32. fp16 needs a loss
 * scale ({@link GradScaler}); bf16 has fp32's exponent range and none.
 */
public enum Precision {
    /** Plain fp32 training. */
    FP32(false, false),
    /** bfloat16 operands, fp32 accumulation, no loss scaling. */
    BF16(true, false),
    /** IEEE half operands, fp32 accumulation, dynamic loss scaling. */
    FP16(true, true);

    private final boolean rounds;
    private final boolean scaled;

    Precision(boolean rounds, boolean scaled) {
        this.rounds = rounds;
        this.scaled = scaled;
    }

    /** Parses {@code fp32}, {@code bf16} or {@code fp16}; {@code option} names the argument in messages. */
    public static Precision parse(String option, String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.label().equals(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException(option + ": expected fp32|bf16|fp16, got '" + spec + "'");
    }

    /** The written form. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether operands are rounded (not fp32). */
    public boolean rounds() {
        return rounds;
    }

    /**
     * Adds to {@code g} the task that writes {@code x} rounded to this precision into {@code y} (may be {@code x}),
     * in chunks of {@code chunk} elements ({@link MixedPrecision#roundBf16}, {@link MixedPrecision#roundFp16});
     * for fp32 nothing. Returns {@code g}.
     */
    public TaskGraph addRound(TaskGraph g, String name, float[] x, float[] y, int chunk) {
        int rows = GradClip.chunks(x.length, chunk);
        return switch (this) {
            case FP32 -> g;
            case BF16 -> g.task(name, rows, MixedPrecision::roundBf16, x, y, x.length, chunk);
            case FP16 -> g.task(name, rows, MixedPrecision::roundFp16, x, y, x.length, chunk);
        };
    }

    /** Whether training in this precision uses a dynamic loss scale. */
    public boolean lossScaled() {
        return scaled;
    }

    /** A loss scaler for this precision: PyTorch's defaults for fp16, a disabled one otherwise. */
    public GradScaler scaler() {
        return scaled ? new GradScaler() : GradScaler.disabled();
    }
}
