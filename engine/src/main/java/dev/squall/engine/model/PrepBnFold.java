package dev.squall.engine.model;

import dev.squall.engine.io.NdArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds a PRepBN model's block norms into the linear layers after them, as SLAB re-parameterises RepBN for
 * inference. In evaluation form a RepBN is a per-channel affine map, {@code RepBN(x) = a ⊙ x + b} with
 * {@code a = γ/√(σ² + ε) + α} and {@code b = β − γ·μ/√(σ² + ε)} (running mean μ and variance σ²), so the linear
 * layer {@code y = W·RepBN(x) + bias} that reads it equals {@code y = W'·x + bias'} with {@code W' = W·diag(a)}
 * and {@code bias' = W·b + bias}: {@code ln_1} folds into {@code attn.c_attn}, {@code ln_2} into {@code mlp.c_fc}.
 * {@code ln_f} feeds the head, which is tied to the token embedding, so folding it would untie the head (a
 * second {@code [V, C]} matrix); it stays a RepBN (the affine map, one cheap pass over the last rows). The LayerNorm
 * branches, unused at inference, are dropped. The result is a {@code "norm": "folded"} model with biases (a folded
 * bias is non-zero even where the model had none; missing biases become zeros). The products are formed in float64
 * and rounded once.
 */
public final class PrepBnFold {
    private PrepBnFold() {
    }

    /** The folded model of the PRepBN weights {@code w}; an error unless {@code w}'s config says {@code prepbn}. */
    public static GptWeights fold(GptWeights w) {
        GptConfig config = w.config();
        if (config.norm() != NormKind.PREPBN) {
            throw new IllegalArgumentException("only a model with \"norm\": \"prepbn\" can be folded; this one has \""
                    + config.norm().json() + "\"");
        }
        GptConfig folded = new GptConfig(config.vocabSize(), config.blockSize(), config.nLayer(), config.nHead(),
                config.nEmbd(), true, config.dropout(), config.activation(), config.eps(), NormKind.FOLDED, 0, 0);
        Map<String, NdArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : GptWeights.shapes(folded).entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue();
            float[] values = w.tensors().containsKey(name) ? w.tensor(name) : new float[GptWeights.size(shape)];
            out.put(name, NdArray.of(values, shape));
        }
        for (int i = 0; i < config.nLayer(); i++) {
            foldInto(w, GptWeights.block(i, "ln_1"), GptWeights.block(i, "attn.c_attn"), out);
            foldInto(w, GptWeights.block(i, "ln_2"), GptWeights.block(i, "mlp.c_fc"), out);
        }
        if (w.tensors().containsKey(GptWeights.LM_HEAD)) {
            out.put(GptWeights.LM_HEAD, w.tensors().get(GptWeights.LM_HEAD));
        }
        return GptWeights.of(folded, out);
    }

    /** Puts the folded weight and bias of linear {@code linear} (reading norm {@code norm}) into {@code out}. */
    private static void foldInto(GptWeights w, String norm, String linear, Map<String, NdArray> out) {
        int c = w.config().nEmbd();
        double[][] ab = affine(w, norm);
        float[] weight = w.tensor(linear + ".weight");
        int rows = weight.length / c;
        float[] bias = w.vector(linear + ".bias", rows);
        float[] foldedWeight = new float[weight.length];
        float[] foldedBias = new float[rows];
        for (int o = 0; o < rows; o++) {
            double acc = bias[o];
            for (int j = 0; j < c; j++) {
                double wj = weight[o * c + j];
                foldedWeight[o * c + j] = (float) (wj * ab[0][j]);
                acc += wj * ab[1][j];
            }
            foldedBias[o] = (float) acc;
        }
        out.put(linear + ".weight", NdArray.of(foldedWeight, rows, c));
        out.put(linear + ".bias", NdArray.of(foldedBias, rows));
    }

    /**
     * The evaluation-form RepBN of norm {@code prefix} as {@code {a, b}}: {@code RepBN(x) = a ⊙ x + b}, in
     * float64.
     */
    public static double[][] affine(GptWeights w, String prefix) {
        List<String> names = GptWeights.repBnNames(prefix);
        float[] gamma = w.tensor(names.get(0));
        float[] beta = w.tensor(names.get(1));
        float[] mean = w.tensor(names.get(2));
        float[] var = w.tensor(names.get(3));
        double alpha = w.tensor(names.get(4))[0];
        int c = gamma.length;
        double[] a = new double[c];
        double[] b = new double[c];
        for (int j = 0; j < c; j++) {
            double scale = gamma[j] / Math.sqrt((double) var[j] + w.config().eps());
            a[j] = scale + alpha;
            b[j] = beta[j] - scale * mean[j];
        }
        return new double[][] {a, b};
    }
}
