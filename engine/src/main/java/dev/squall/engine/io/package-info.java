/**
 * Reading and writing NumPy {@code .npy} and {@code .npz} files.
 *
 * <p>{@link dev.squall.engine.io.Npy} reads and writes single arrays, {@link dev.squall.engine.io.Npz} archives of
 * named arrays. Arrays are held as {@link dev.squall.engine.io.NdArray}s: a {@link dev.squall.engine.io.DType}, a
 * shape and a primitive array in C (row-major) order. Only the element types the engine computes with are
 * supported; anything else is rejected with an {@link dev.squall.engine.io.NpyFormatException} that names the file
 * and says how to convert it in NumPy.
 */
package dev.squall.engine.io;
