package dev.squall.cli.train;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic stand-in for the training library, so that every behaviour of {@code squall lm train} is
 * tested without it: a bigram model whose logits for the token after {@code x} are {@code wte · wte[x]} (only
 * the token embedding learns), trained by SGD with momentum, the schedule's learning rate (warm-up, cosine or
 * constant), gradient clipping and the step counter in its optimizer state, so resuming needs the state.
 * It records the batches it trained on, and can be told to return a NaN loss from some step on.
 */
public final class FakeTrainer implements TrainingSession {
    /** Opens fake sessions; the last one opened is {@link #last}. */
    public static final class Factory implements TrainingSessions.Factory {
        private final int nanFromStep;
        /** The session opened last. */
        public FakeTrainer last;

        /** Sessions whose loss is NaN from step {@code nanFromStep} on (-1: never). */
        public Factory(int nanFromStep) {
            this.nanFromStep = nanFromStep;
        }

        @Override
        public TrainingSession open(GptConfig config, GptWeights init, TrainOptions options, int batchSize,
                                    int tokensPerRow, Backend backend) {
            last = new FakeTrainer(init, options,
                    batchSize * tokensPerRow, tokensPerRow, nanFromStep);
            return last;
        }
    }

    private final GptWeights weights;
    private final TrainOptions options;
    private final int batchLength;
    private final int row;
    private final int nanFromStep;
    private final float[] momentum;
    private int step;
    /** The batches trained on, in order. */
    public final List<int[]> seen = new ArrayList<>();

    private FakeTrainer(GptWeights weights, TrainOptions options, int batchLength, int row, int nanFromStep) {
        this.weights = weights;
        this.options = options;
        this.batchLength = batchLength;
        this.row = row;
        this.nanFromStep = nanFromStep;
        this.momentum = new float[weights.wte().length];
    }

    @Override
    public StepResult step(int[] batch) {
        check(batch);
        seen.add(batch.clone());
        float[] wte = weights.wte();
        double[] grad = new double[wte.length];
        double loss = loss(batch, grad);
        double norm = 0;
        for (double g : grad) {
            norm += g * g;
        }
        norm = Math.sqrt(norm);
        double scale = options.gradClip() > 0 && norm > options.gradClip() ? options.gradClip() / norm : 1;
        double lr = lr(step);
        for (int i = 0; i < wte.length; i++) {
            momentum[i] = (float) (options.beta1() * momentum[i] + grad[i] * scale);
            wte[i] -= (float) (lr * momentum[i]);
        }
        step++;
        return new StepResult(step > nanFromStep && nanFromStep >= 0 ? Double.NaN : loss, lr, norm);
    }

    @Override
    public double evalLoss(int[] batch) {
        check(batch);
        return loss(batch, null);
    }

    /** The mean cross-entropy of the batch's bigrams; adds its gradient to {@code grad} when not null. */
    private double loss(int[] batch, double[] grad) {
        int v = weights.config().vocabSize();
        int c = weights.config().nEmbd();
        float[] wte = weights.wte();
        int count = batch.length / row * (row - 1);
        double sum = 0;
        double[] logits = new double[v];
        for (int i = 0; i < batch.length; i++) {
            if (i % row == row - 1) {
                continue;
            }
            int x = batch[i];
            int y = batch[i + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < v; t++) {
                double d = 0;
                for (int j = 0; j < c; j++) {
                    d += (double) wte[t * c + j] * wte[x * c + j];
                }
                logits[t] = d;
                max = Math.max(max, d);
            }
            double z = 0;
            for (int t = 0; t < v; t++) {
                z += Math.exp(logits[t] - max);
            }
            sum += Math.log(z) + max - logits[y];
            if (grad != null) {
                for (int t = 0; t < v; t++) {
                    double d = (Math.exp(logits[t] - max) / z - (t == y ? 1 : 0)) / count;
                    for (int j = 0; j < c; j++) {
                        grad[t * c + j] += d * wte[x * c + j];
                        grad[x * c + j] += d * wte[t * c + j];
                    }
                }
            }
        }
        return sum / count;
    }

    /** nanoGPT's get_lr, with the decay ending at the last step. */
    private double lr(int t) {
        if (t < options.warmup()) {
            return options.lr() * (t + 1) / (options.warmup() + 1);
        }
        if (options.schedule() == LrSchedule.CONSTANT) {
            return options.lr();
        }
        double ratio = (double) (t - options.warmup()) / Math.max(1, options.steps() - options.warmup());
        return options.minLr() + 0.5 * (1 + Math.cos(Math.PI * Math.min(1, ratio))) * (options.lr() - options.minLr());
    }

    private void check(int[] batch) {
        if (batch.length != batchLength) {
            throw new IllegalStateException("batch of " + batch.length + " ids, expected " + batchLength);
        }
    }

    @Override
    public GptWeights weights() {
        return weights;
    }

    @Override
    public Map<String, NdArray> optimizerState() {
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put("step", NdArray.of(new int[] {step}));
        m.put("momentum." + GptWeights.WTE, NdArray.of(momentum.clone(), weights.config().vocabSize(),
                weights.config().nEmbd()));
        return m;
    }

    @Override
    public void restoreOptimizer(Map<String, NdArray> state) {
        NdArray s = state.get("step");
        NdArray m = state.get("momentum." + GptWeights.WTE);
        if (s == null || m == null || m.size() != momentum.length) {
            throw new IllegalArgumentException("missing or mis-shaped step or momentum." + GptWeights.WTE);
        }
        step = s.toInts()[0];
        System.arraycopy(m.toFloats(), 0, momentum, 0, momentum.length);
    }

    @Override
    public void close() {
    }
}
