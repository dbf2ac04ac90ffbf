package dev.squall.engine.train;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;
import dev.squall.tasks.testing.RandomArrays;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tiny models and batches for the trainer's tests. */
final class TrainTesting {
    private TrainTesting() {
    }

    /** The awkward tiny config of the gradient tests: vocab 11, block 9, 2 layers, 2 heads of 3. */
    static GptConfig tiny(boolean bias) {
        return GptConfig.of(11, 9, 2, 2, 6, bias, 0.0);
    }

    /**
     * Weights drawn from {@code rnd}: linear weights with standard deviation {@code std} (large enough that the
     * attention is far from uniform), LayerNorm weights around 1, biases around 0; an untied head when asked.
     */
    static GptWeights weights(GptConfig config, RandomArrays rnd, double std, boolean untied) {
        Map<String, NdArray> m = new LinkedHashMap<>();
        GptWeights.shapes(config).forEach((name, shape) -> {
            int n = 1;
            for (int s : shape) {
                n *= s;
            }
            boolean norm = name.contains("ln_");
            float[] v = norm && name.endsWith(".weight") ? rnd.gaussian(n, 1, 0.2)
                    : name.endsWith(".bias") ? rnd.gaussian(n, 0, 0.1) : rnd.gaussian(n, 0, std);
            m.put(name, NdArray.of(v, shape));
        });
        if (untied) {
            m.put(GptWeights.LM_HEAD, NdArray.of(rnd.gaussian(config.vocabSize() * config.nEmbd(), 0, std),
                    config.vocabSize(), config.nEmbd()));
        }
        return GptWeights.of(config, m);
    }

    /** A random batch {@code [b, t+1]} of tokens below {@code vocab}. */
    static int[] batch(RandomArrays rnd, int b, int t, int vocab) {
        int[] x = new int[b * (t + 1)];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(0, vocab - 1);
        }
        return x;
    }

    /** Fresh random weights of the tiny config with biases and {@code n} batches {@code [b, t+1]}, from {@code rnd}. */
    record Start(RandomArrays rnd, GptWeights weights, List<int[]> data) {
        static Start tiny(int n, int b, int t) {
            RandomArrays rnd = RandomArrays.fresh();
            GptConfig config = TrainTesting.tiny(true);
            GptWeights w = TrainTesting.weights(config, rnd, 0.3, false);
            List<int[]> data = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                data.add(TrainTesting.batch(rnd, b, t, config.vocabSize()));
            }
            return new Start(rnd, w, List.copyOf(data));
        }
    }

    /** A deep copy of {@code w}. */
    static GptWeights copy(GptWeights w) {
        Map<String, NdArray> m = new LinkedHashMap<>();
        w.tensors().forEach((k, t) -> m.put(k, NdArray.of(((float[]) t.data()).clone(), t.shape())));
        return GptWeights.of(w.config(), m);
    }
}
