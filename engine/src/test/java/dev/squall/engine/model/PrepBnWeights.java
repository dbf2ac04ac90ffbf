package dev.squall.engine.model;

import dev.squall.engine.io.NdArray;
import java.util.Map;
import java.util.SplittableRandom;

/** Test weights of PRepBN models whose RepBN parameters look trained (for the folding tests). */
public final class PrepBnWeights {
    private PrepBnWeights() {
    }

    /**
     * {@code w} with RepBN parameters of a trained-looking model: running means of spread 1, running variances
     * log-uniform in [0.05, 5], γ around 1 with spread 0.5, α uniform in [-0.5, 1.5].
     */
    public static GptWeights trained(GptWeights w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Map.Entry<String, NdArray> e : w.tensors().entrySet()) {
            float[] v = (float[]) e.getValue().data();
            String name = e.getKey();
            for (int i = 0; i < v.length; i++) {
                if (name.endsWith(".bn.running_mean")) {
                    v[i] = (float) rnd.nextGaussian();
                } else if (name.endsWith(".bn.running_var")) {
                    v[i] = (float) Math.exp(rnd.nextDouble(Math.log(0.05), Math.log(5)));
                } else if (name.endsWith(".bn.weight")) {
                    v[i] = (float) (1 + 0.5 * rnd.nextGaussian());
                } else if (name.endsWith(".alpha")) {
                    v[i] = (float) rnd.nextDouble(-0.5, 1.5);
                }
            }
        }
        return w;
    }
}
