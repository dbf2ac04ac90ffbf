/**
 * Training memory: how an activation saved for backward is stored ({@link dev.squall.engine.memory.ActivationCodec},
 * {@link dev.squall.engine.memory.SavedTensor}: as it is, or as 8-, 4- or 2-bit codes) and the numerics of
 * mixed-precision training ({@link dev.squall.engine.memory.Precision},
 * {@link dev.squall.engine.memory.GradScaler}). The arithmetic is in the kernels of
 * {@code dev.squall.tasks.quant.ActivationCodes} and {@code dev.squall.tasks.precision.MixedPrecision}; these
 * classes add those kernels' tasks to a training step's graphs and keep the host-side state. See
 * {@code docs/training-memory.md}.
 */
package dev.squall.engine.memory;
