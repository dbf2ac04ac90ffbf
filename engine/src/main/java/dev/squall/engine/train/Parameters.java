package dev.squall.engine.train;

import dev.squall.engine.model.GptWeights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a GPT in nanoGPT's order (a tied output head is {@code transformer.wte.weight} once), and the
 * stand-ins for absent biases: a model without biases reads zero vectors, and the backward writes their would-be
 * gradients into scratch arrays no optimizer sees.
 */
final class Parameters {
    private final GptWeights weights;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    /** Tensors that are state but not trained (a PRepBN's running mean and variance): no gradient, no optimizer. */
    private final Map<String, float[]> buffers = new LinkedHashMap<>();

    Parameters(GptWeights weights) {
        this.weights = weights;
        weights.tensors().forEach((name, t) -> {
            if (isBuffer(name)) {
                buffers.put(name, (float[]) t.data());
            } else {
                byName.put(name, Parameter.of(name, t.shape(), (float[]) t.data()));
            }
        });
    }

    /** All parameters, in nanoGPT's order. */
    List<Parameter> all() {
        return Collections.unmodifiableList(new ArrayList<>(byName.values()));
    }

    /** The parameter {@code name}. */
    Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return p;
    }

    /**
     * The parameter {@code name} when the model has it, else a zero vector of {@code size} standing for an absent
     * bias, with a scratch gradient.
     */
    Parameter vector(String name, int size) {
        Parameter p = byName.get(name);
        return p != null ? p : new Parameter(name, new int[] {size}, new float[size], new float[size], null, null);
    }

    /** Whether {@code name} is a buffer (BatchNorm running statistics) rather than a trained parameter. */
    static boolean isBuffer(String name) {
        return name.endsWith(".running_mean") || name.endsWith(".running_var");
    }

    /** The buffer {@code name} (the weights' own array, updated in place). */
    float[] buffer(String name) {
        float[] b = buffers.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no buffer " + name);
        }
        return b;
    }

    /** Whether the model has the tensor {@code name}. */
    boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The output head: an untied {@code lm_head.weight}, else the token embedding. */
    Parameter head() {
        return byName.containsKey(GptWeights.LM_HEAD) ? byName.get(GptWeights.LM_HEAD) : byName.get(GptWeights.WTE);
    }

    GptWeights weights() {
        return weights;
    }
}
