package dev.squall.engine.train;

import dev.squall.engine.io.NdArray;

import java.util.Map;

/**
 * The loss of a batch and the gradient of its mean loss with respect to every parameter.
 *
 * @param loss      the mean cross-entropy over the batch's targets (those not −1)
 * @param gradients one float32 tensor per parameter, under the parameter's nanoGPT name and shape, in nanoGPT's
 *                  order; a tied output head is {@code transformer.wte.weight} once (its gradient the sum of both uses)
 */
public record Gradients(double loss, Map<String, NdArray> gradients) {
}
