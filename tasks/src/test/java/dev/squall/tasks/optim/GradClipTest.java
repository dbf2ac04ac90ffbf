package dev.squall.tasks.optim;

import dev.squall.tasks.testing.BitExact;
import dev.squall.tasks.testing.Poison;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GradClip} over several gradient tensors (lengths 1, odd, prime, one over a million) against
 * {@code torch.nn.utils.clip_grad_norm_} in float64: total norm {@code √Σ g²}, coefficient
 * {@code min(1, maxNorm/(total + 1e-6))}, gradients multiplied by it; with a max norm below the total (clips), above it
 * (coefficient exactly 1, gradients unchanged bit for bit), and all-zero gradients.
 *
 * <p>Bounds: total norm and coefficient {@code 1e-6} relative (compensated sums: a couple of roundings whatever the
 * count of terms; plain fp32 sums of a million squares err by up to ~1e-4); scaled gradients {@code 1e-6·|ref|}.
 */
class GradClipTest {
    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of(new int[] {1}, 1, 0.5), Arguments.of(new int[] {1, 13, 97, 4099}, 64, 0.5),
                Arguments.of(new int[] {1, 13, 97, 4099}, 7, 1e3), Arguments.of(new int[] {1_000_003, 5}, 4096, 1.0),
                Arguments.of(new int[] {3, 7}, 2, 0.0));
    }

    @ParameterizedTest(name = "lengths={0} chunk={1} maxNorm/total={2}")
    @MethodSource("cases")
    void clipsLikePyTorch(int[] lengths, int chunk, double maxNormOverTotal) {
        RandomArrays rnd = RandomArrays.fresh();
        boolean zero = maxNormOverTotal == 0;
        float[][] grads = new float[lengths.length][];
        double sumSquares = 0;
        int slots = 0;
        for (int g = 0; g < lengths.length; g++) {
            grads[g] = zero ? new float[lengths[g]] : rnd.gaussian(lengths[g], 0, 0.01 * (g + 1));
            for (float x : grads[g]) {
                sumSquares += (double) x * x;
            }
            slots += GradClip.chunks(lengths[g], chunk);
        }
        double total = Math.sqrt(sumSquares);
        float maxNorm = zero ? 1f : (float) (maxNormOverTotal * total);
        float[] partials = new float[slots];
        float[] norm = new float[2];
        Subject subject = Subject.of("GradClip", "lengths=" + java.util.Arrays.toString(lengths) + " chunk=" + chunk
                + " maxNorm=" + maxNorm, rnd.seed());

        Poison.fill(partials);
        int first = 0;
        for (float[] g : grads) {
            int at = first;
            int rows = GradClip.chunks(g.length, chunk);
            float[] own = new float[rows];
            RowSlices.run(subject.with("squaredNorms"), rnd, rows,
                    (off, cnt) -> GradClip.squaredNorms(g, own, g.length, chunk, 0, off, cnt), own);
            GradClip.squaredNorms(g, partials, g.length, chunk, at, 0, rows);
            BitExact.assertIdentical(subject.with("partials at slot " + at), own,
                    java.util.Arrays.copyOfRange(partials, at, at + rows));
            first += rows;
        }
        int slotCount = slots;
        RowSlices.run(subject.with("clipCoefficient"), rnd, 1,
                (off, cnt) -> GradClip.clipCoefficient(partials, norm, slotCount, maxNorm, off, cnt), norm);
        double coefficient = Math.min(1, maxNorm / (total + 1e-6));
        Tolerance.relative(1e-6).assertClose(subject.with("total norm, coefficient"), norm,
                new double[] {total, coefficient}, new double[] {total, coefficient});

        for (float[] g : grads) {
            float[] before = g.clone();
            float[] scaled = new float[g.length];
            RowSlices.runFrom(subject.with("scaleGradients"), rnd, GradClip.chunks(g.length, chunk),
                    (off, cnt) -> GradClip.scaleGradients(scaled, norm, g.length, chunk, off, cnt), new float[][] {before},
                    scaled);
            if (norm[GradClip.COEFFICIENT] == 1f) {
                BitExact.assertIdentical(subject.with("coefficient 1 leaves gradients unchanged"), before, scaled);
            }
            double[] ref = new double[g.length];
            for (int i = 0; i < g.length; i++) {
                ref[i] = before[i] * coefficient;
            }
            Tolerance.relative(1e-6).assertClose(subject.with("scaled gradients"), scaled, ref, Tolerance.absOf(ref));
        }
    }
}
