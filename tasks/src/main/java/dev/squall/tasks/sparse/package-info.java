/**
 * GEMM with pruned weights that visits only the non-zeros. Weights are stored by output rows ({@code W[n, k]},
 * see {@code dev.squall.tasks.quant}) in fp32.
 * <dl>
 *   <dt>CSR ({@link dev.squall.tasks.sparse.Csr}), for unstructured (magnitude) pruning</dt>
 *   <dd>{@code int[] rowPtr} ({@code n + 1}, ascending, {@code rowPtr[0] = 0}, {@code rowPtr[n] = nnz});
 *   {@code int[] cols} and {@code float[] vals} ({@code nnz} each): row {@code j}'s entries are
 *   {@code e ∈ [rowPtr[j], rowPtr[j+1])}, column {@code cols[e]} (ascending within a row as the packer
 *   writes them), value {@code vals[e]}. 8 bytes per non-zero: smaller than dense (4 bytes per weight) below
 *   50% density.</dd>
 *   <dt>2:4 ({@link dev.squall.tasks.sparse.Sparse24}), structured</dt>
 *   <dd>every group of 4 consecutive weights of a row keeps 2 (NVIDIA's sparse tensor-core pattern);
 *   {@code k} must be a multiple of 4. {@code float[] vals} ({@code n·k/2}): {@code vals[j·k/2 + 2g + s]} is
 *   slot {@code s} of group {@code g}; {@code byte[] meta} ({@code n·ceil(k/8)}): the 4-bit code of group
 *   {@code g} is nibble {@code g % 2} (low nibble first) of {@code meta[j·ceil(k/8) + g/2]}, bits 0–1 the
 *   position (0–3) of slot 0, bits 2–3 that of slot 1 (the packer writes {@code pos_0 < pos_1}). 2 bytes +
 *   1 bit per weight: 56% of dense.</dd>
 * </dl>
 */
package dev.squall.tasks.sparse;
