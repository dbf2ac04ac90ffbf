/**
 * Test toolkit for kernels, shared with other modules through the {@code squall-tasks} test-jar.
 *
 * <p>The pattern every kernel test follows:
 * <ol>
 *   <li>draw fresh inputs from a {@link dev.squall.tasks.testing.RandomArrays} (a new seed each run, printed in
 *       every failure message; {@code -Dsquall.seed=N} replays a failing run);</li>
 *   <li>run the kernel through {@link dev.squall.tasks.testing.RowSlices#run}, which poisons the outputs with NaN
 *       ({@link dev.squall.tasks.testing.Poison}) before every run and proves that splitting the rows into random
 *       slices gives results bit-identical to one whole-range call;</li>
 *   <li>compare with a float64 reference written as plain double loops, using a
 *       {@link dev.squall.tasks.testing.Tolerance} whose per-element scale the test states (|ref| for element-wise
 *       operations, Σ|a||b| for sums of products, ...). NaN never passes.</li>
 * </ol>
 * Failure messages name the kernel and shape through a {@link dev.squall.tasks.testing.Subject}.
 */
package dev.squall.tasks.testing;
