/**
 * Training a nanoGPT-form GPT with task graphs: {@link dev.squall.engine.train.GptTrainer} runs a step (forward saving
 * activations, cross-entropy, backward, global-norm clipping, AdamW) on any backend, with the FlashAttention-2 or the
 * unfused attention backward ({@link dev.squall.engine.train.TrainOptions}), reports the step's peak memory by kind,
 * and exports gradients and optimizer state. {@code docs/training.md} describes the layout of a step.
 */
package dev.squall.engine.train;
