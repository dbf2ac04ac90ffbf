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

    Parameters(GptWeights weights) {
        this.weights = weights;
        weights.tensors().forEach((name, t) -> byName.put(name, Parameter.of(name, t.shape(), (float[]) t.data())));
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
