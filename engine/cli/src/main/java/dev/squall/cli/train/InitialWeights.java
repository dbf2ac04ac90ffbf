package dev.squall.cli.train;

import dev.squall.engine.io.NdArray;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptWeights;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The weights a run starts from without {@code --init}: nanoGPT's {@code _init_weights} (embeddings and linear
 * weights normal with standard deviation 0.02, the residual projections {@code c_proj.weight}
 * {@code 0.02/√(2·n_layer)}, biases 0, LayerNorm weights 1 and biases 0), drawn from the seed.
 */
public final class InitialWeights {
    private InitialWeights() {
    }

    /** nanoGPT's initial weights for {@code config}, the same for the same {@code seed}. */
    public static GptWeights nanoGpt(GptConfig config, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double projection = 0.02 / Math.sqrt(2.0 * config.nLayer());
        Map<String, NdArray> tensors = new LinkedHashMap<>();
        GptWeights.shapes(config).forEach((name, shape) -> {
            int size = 1;
            for (int d : shape) {
                size *= d;
            }
            float[] v = new float[size];
            if (name.contains(".ln_")) {
                // PRepBN: PyTorch's BatchNorm1d starts with running variance 1; SLAB's alpha starts at 1
                boolean one = name.endsWith(".weight") || name.endsWith(".running_var") || name.endsWith(".alpha");
                java.util.Arrays.fill(v, one ? 1f : 0f);
            } else if (name.endsWith(".weight")) {
                double std = name.endsWith("c_proj.weight") ? projection : 0.02;
                for (int i = 0; i < size; i++) {
                    v[i] = (float) (std * rnd.nextGaussian());
                }
            }
            tensors.put(name, NdArray.of(v, shape));
        });
        return GptWeights.of(config, tensors);
    }
}
