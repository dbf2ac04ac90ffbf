/**
 * The kernels: plain Java loops, the only place where arithmetic happens, one package per kernel family
 * ({@code gemm}, {@code norm}, {@code activation}, {@code softmax}, {@code attention}, {@code elementwise},
 * {@code padding}, {@code precision}, {@code quant}, {@code sparse}).
 *
 * <h2>One home per operator, forward and backward side by side</h2>
 * Everything about one operator is in its family's package: a family's backward kernels sit next to its forward
 * ones, in the same class ({@code Norms.layerNorm} and {@code Norms.layerNormBackward}) or, when large, in a
 * sibling class of the same package named after the forward one ({@code FusedAttention} and
 * {@code FusedAttentionBackward}), as llm.c keeps each layer's forward and backward pass together. There is
 * never a {@code backward}, {@code grad} or {@code train} package. The other modules mirror this layout: the CPU
 * fast path of {@code tasks/<family>/X} is {@code engine/jvm/fast/<family>/XVector} (so that of
 * {@code XBackward} is {@code XBackwardVector}), its tests are {@code tasks/src/test/.../<family>/XTest}, and its
 * TornadoVM cases are in the family lists of {@code tornado-config/backend}'s {@code KernelCases}.
 *
 * <h2>Kernel rules</h2>
 * A kernel is a {@code public static void} method whose last two parameters are {@code (int rowOffset, int
 * rowCount)} and whose outermost loop is {@code for (@Parallel int r = 0; r < rowCount; r++)} over rows
 * {@code rowOffset + r}; it takes primitive arrays and scalars only (at most 18 before the row range), marks the
 * arrays it writes {@link dev.squall.tasks.Out}, allocates nothing but small constant-size local arrays, throws
 * nothing, and calls only other kernel helpers and {@code Math}/{@code Float}. {@code KernelRulesTest} checks
 * the bytecode ({@code tasks/src/test/java/dev/squall/tasks/rules/KernelRules.java} writes the rules down) and
 * {@code KernelLayoutTest} the layout above.
 */
package dev.squall.tasks;
