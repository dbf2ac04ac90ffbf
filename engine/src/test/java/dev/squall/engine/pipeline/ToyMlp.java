package dev.squall.engine.pipeline;

import java.util.SplittableRandom;

/**
 * A toy model for pipeline tests: {@code layers} layers of Linear(width → width) + tanh-GELU on {@code rows}
 * rows per micro-batch, mean-squared error against seeded targets. Weights, inputs and targets are drawn from
 * the seed alone (per layer, per step and micro-batch), so any split into stages starts from the same model.
 * With {@code clip > 0} the gradients are clipped to that global norm across all stages (each stage shares its
 * layers' squared norms), as {@code torch.nn.utils.clip_grad_norm_} does across a whole model.
 */
public record ToyMlp(int width, int layers, int rows, long seed, float learningRate, float clip) {

    /** A small default: width 8, 4 rows per micro-batch, learning rate 0.05, no clipping. */
    public static ToyMlp of(int layers, long seed) {
        return new ToyMlp(8, layers, 4, seed, 0.05f, 0f);
    }

    /** This model with gradients clipped to global norm {@code maxNorm}. */
    public ToyMlp withClip(float maxNorm) {
        return new ToyMlp(width, layers, rows, seed, learningRate, maxNorm);
    }

    /** Layer {@code layer}'s initial weights, {@code [width, width]} then {@code [width]} bias. */
    float[] initialWeights(int layer) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + layer);
        float[] w = new float[width * width + width];
        float scale = (float) (1.5 / Math.sqrt(width));
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextDouble(-1, 1) * scale);
        }
        return w;
    }

    /** The first stage's input of micro-batch {@code m} of step {@code step}, {@code [rows, width]}. */
    float[] input(long step, int m) {
        return draw(step, m, 1);
    }

    /** The last stage's target of micro-batch {@code m} of step {@code step}, {@code [rows, width]}. */
    float[] target(long step, int m) {
        return draw(step, m, 2);
    }

    /** Two batches, alternating from step to step, so that a few steps show the loss falling. */
    private float[] draw(long step, int m, int salt) {
        SplittableRandom r = new SplittableRandom(((seed * 31 + step % 2) * 1009 + m) * 7 + salt);
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    /** The stage holding layers {@code [first, first + count)}. */
    public ToyStage stage(int first, int count) {
        return new ToyStage(this, first, count, first == 0, first + count == layers);
    }

    /** One stage per entry of {@code sizes}, contiguous layer ranges. */
    public java.util.List<ToyStage> stages(int... sizes) {
        int[] starts = StageBalance.starts(sizes);
        java.util.List<ToyStage> list = new java.util.ArrayList<>();
        for (int s = 0; s < sizes.length; s++) {
            list.add(stage(starts[s], sizes[s]));
        }
        return list;
    }
}
