package dev.squall.cli;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.EncoderBlock;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.AttentionPattern;
import dev.squall.engine.layers.pattern.AttentionRuns;
import dev.squall.engine.layers.pattern.EffectiveMask;
import dev.squall.engine.layers.pattern.MaskPattern;

import java.nio.file.Path;

/**
 * {@code squall op attention ... --pattern P [--mask-out M.npy]}: attention of {@code [H, N, D]} or
 * {@code [B, H, N, D]} tensors with a pattern. The heads of a token are kept together (the tensors are
 * turned token-major) so that per-head patterns see their head; each of the {@code B} sequences gets the
 * pattern on its own.
 */
final class PatternAttention {
    /** The pattern grammar, for help texts. */
    static final String GRAMMAR = "local:W | dilated:W:D | longformer:W:D[:G1,G2,..] (D may be D1/D2/.. per head) | "
            + "block:B:LAYOUT.npy | fixed:B:S | strided:B:S | bigbird:B:W:G:R:SEED | topk:K | cluster:C:ITERS:SEED | "
            + "linformer:R:SEED | linformer:E.npy:F.npy | linear";

    private PatternAttention() {
    }

    /**
     * Runs {@code spec} on Q, K, V of {@code shape} ({@code [.., H, N, D]}), fused or unfused, and returns the
     * output in that shape; writes the effective mask ({@code [.., H, N, N]} bool) to {@code maskOut} when given.
     */
    static float[] run(String spec, int[] shape, float[] q, float[] k, float[] v, boolean causal, boolean fused,
                       Path maskOut, RunOptions run) {
        AttentionPattern pattern = AttentionPattern.parse(spec);
        if (maskOut != null && !(pattern instanceof MaskPattern)) {
            throw new IllegalArgumentException("--mask-out: pattern " + pattern.spec()
                    + " is not a mask over keys (it approximates attention differently): it has no effective mask");
        }
        int n = shape[shape.length - 2];
        int d = shape[shape.length - 1];
        int heads = shape[shape.length - 3];
        int batch = shape.length == 4 ? shape[0] : 1;
        QkvLayout qkv = QkvLayout.separate(HeadMajor.toTokenMajor(q, batch, heads, n, d),
                HeadMajor.toTokenMajor(k, batch, heads, n, d), HeadMajor.toTokenMajor(v, batch, heads, n, d), heads * d);
        Sequences seqs = Sequences.uniform(batch, n);
        try (Backend backend = run.backend()) {
            float[] out = AttentionRuns.run(backend, pattern.op(fused ? EncoderBlock.Variant.FUSED
                    : EncoderBlock.Variant.UNFUSED), qkv, seqs, heads, d, causal);
            if (maskOut != null) {
                writeMask(maskOut, EffectiveMask.of(pattern, backend, qkv, seqs, heads, d, causal), shape);
            }
            return HeadMajor.toHeadMajor(out, batch, heads, n, d);
        }
    }

    private static void writeMask(Path file, boolean[][][] mask, int[] shape) {
        int n = shape[shape.length - 2];
        byte[] bits = new byte[Math.multiplyExact(mask.length * mask[0].length, Math.multiplyExact(n, n))];
        int at = 0;
        for (boolean[][] sequence : mask) {
            for (boolean[] head : sequence) {
                for (boolean visible : head) {
                    bits[at++] = (byte) (visible ? 1 : 0);
                }
            }
        }
        int[] maskShape = shape.clone();
        maskShape[shape.length - 1] = n;
        Inputs.write("--mask-out", file, NdArray.ofBool(bits, maskShape));
    }
}
