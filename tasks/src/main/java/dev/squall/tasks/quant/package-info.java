/**
 * Quantised weights and activations: GEMM kernels that read packed integer weights and dequantise them inside
 * the inner loop (no fp32 copy of a weight ever exists), int8 × int8 GEMM with dynamic activation quantisation,
 * and attention over an int8 key/value cache.
 *
 * <h2>Common layout</h2>
 * A linear layer {@code y = x·Wᵀ + b} with {@code W[n, k]} ({@code n} outputs, {@code k} inputs: PyTorch's
 * {@code [out, in]}) is stored <em>by output rows</em>: the weights of output {@code j} are contiguous and
 * blocks run along the input dimension, as in ggml. (fp32 layers keep {@code Wᵀ}; a packed row suits every
 * block format and makes a GEMV one dot product per output.) Activations are fp32 {@code x[m, k]}, outputs
 * {@code y[m, n]}, row-major. GEMM kernels take {@code (x, weight arrays..., bias, y, m, n, k, [format
 * parameter,] hasBias, activation)}; their parallel rows are the {@code n} output features, each running over
 * the {@code m} activation rows (a nested parallel loop), so one kernel is both the decode GEMV
 * ({@code m = 1}) and the prefill GEMM. The epilogue ({@code + bias[j]} when {@code hasBias != 0}, then the
 * activation) is {@code Gemm.epilogue}.
 *
 * <p><b>Padding.</b> A row whose length {@code k} is not a multiple of the block (32) is stored as
 * {@code ceil(k/32)} whole blocks; the quantiser fills the missing weights with zeros (which change no block
 * scale) and the kernels never read them. Shapes therefore never need to be multiples of the block size.
 *
 * <h2>Formats</h2>
 * Below, {@code B = ceil(k / 32)} blocks (or words) per row, {@code roundf} rounds half away from zero (C's
 * {@code roundf}), {@code rne} rounds half to even, {@code fp16(v)} is the nearest half (RNE) and its bits are
 * stored in a {@code short}. Each definition implies the error bound the tests check, per weight.
 * <dl>
 *   <dt>Q8_0 ({@link dev.squall.tasks.quant.BlockQ8}) — 8.5 bits per weight</dt>
 *   <dd>ggml's {@code block_q8_0} as two arrays: {@code byte[] qs} ({@code n·B·32}),
 *   {@code qs[(j·B + b)·32 + t]} = weight {@code 32b + t} of row {@code j}; {@code short[] d} ({@code n·B}) the
 *   fp16 block scales. Quantisation (ggml's {@code quantize_row_q8_0_ref}): {@code amax = max|w|} over the block,
 *   {@code d = amax/127}, {@code id = d ≠ 0 ? 1/d : 0}, {@code q = roundf(w·id)}, stored {@code fp16(d)}.
 *   Dequantisation {@code ŵ = fp16(d)·q}. Bound: {@code |w − ŵ| <= d/2 + 127·|d − fp16(d)|} (+ 2⁻¹⁶·d for the fp32
 *   rounding of {@code w·id}), i.e. {@code <= 0.563·d} while {@code d} is a normal half.</dd>
 *   <dt>Q4_0 ({@link dev.squall.tasks.quant.BlockQ4}) — 4.5 bits per weight</dt>
 *   <dd>ggml's {@code block_q4_0}: {@code byte[] qs} ({@code n·B·16}); byte {@code t} of block {@code (j, b)}
 *   holds weight {@code 32b + t} in its low nibble and weight {@code 32b + t + 16} in its high nibble;
 *   {@code short[] d} fp16 scales. Quantisation ({@code quantize_row_q4_0_ref}): {@code max} = the weight of
 *   largest magnitude (the first one in block order), {@code d = max/−8}, {@code id = d ≠ 0 ? 1/d : 0},
 *   {@code nibble = min(15, trunc(w·id + 8.5))} with the fp32 sum; stored {@code fp16(d)}. Dequantisation
 *   {@code ŵ = fp16(d)·(nibble − 8)}, so the largest weight maps to −8 and the range is −8..7. Bound:
 *   {@code |w − ŵ| <= |d|/2 + 8·|d − fp16(d)|} where {@code w·id <= 7.5}, and {@code <= |d| + 8·|d − fp16(d)|}
 *   for the weights clamped to 7 (those opposite in sign to {@code max} with {@code |w| > 15/16·amax}).</dd>
 *   <dt>int8 per row / per group ({@link dev.squall.tasks.quant.Int8Weights}) — 8 bits + 32 per group</dt>
 *   <dd>{@code byte[] q} ({@code n·k}), {@code q[j·k + p]}; {@code float[] scales} ({@code n·ceil(k/G)}), one per
 *   group of {@code G} consecutive weights of a row ({@code G = k}: per row). Quantisation: {@code s = amax/127}
 *   over the group, {@code q = roundf(w·(1/s))} (0 where {@code s = 0}); {@code ŵ = s·q}. Bound:
 *   {@code |w − ŵ| <= s·(1/2 + 2⁻¹⁶)}. The scales are fp32 (not fp16): they cost little per row or per group
 *   and keep the bound at half a step.</dd>
 *   <dt>ternary ({@link dev.squall.tasks.quant.Ternary}) — 2 bits per weight</dt>
 *   <dd>BitNet b1.58's absmean quantisation: {@code γ = max(mean|w|, 1e-5)} over the whole tensor (the published
 *   form) or over each row, {@code t = clamp(rne(w/γ), −1, 1)}, {@code ŵ = γ·t}. Stored as {@code int[] planes}
 *   ({@code n·B·2}): word {@code (j·B + b)·2} is the "+1" plane and word {@code (j·B + b)·2 + 1} the "−1" plane
 *   of weights {@code 32b .. 32b+31}, bit {@code t} for weight {@code 32b + t} (both bits clear: 0; both set:
 *   never written). {@code float[] scales} ({@code n}) holds {@code γ} per row (the same value in every row for
 *   a per-tensor scale). Bound: {@code |w − ŵ| <= γ/2} where {@code |w| <= 3γ/2}, else {@code |w| − γ} (clipped).</dd>
 *   <dt>ternary × int8 activations ({@link dev.squall.tasks.quant.TernaryA8}) — 2 bits per weight</dt>
 *   <dd>BitNet b1.58 as published (W1.58A8): the ternary weight above, stored as 2-bit codes {@code t + 1} in
 *   groups of 128 weights laid out for 16-bit lanes (see that class), times activations quantised to int8 per
 *   row at run time ({@link dev.squall.tasks.quant.Int8Activations#quantizeRows}); the products are summed
 *   exactly in {@code int}.</dd>
 *   <dt>Q4_0 × Q8_0 ({@link dev.squall.tasks.quant.BlockQ4#gemmQ8})</dt>
 *   <dd>the Q4_0 weight times activations quantised into Q8_0 blocks at run time
 *   ({@link dev.squall.tasks.quant.BlockQ8#quantizeRows}), as ggml runs Q4_0 on the CPU: each block's products
 *   summed in {@code int}, scaled by both fp16 scales, the blocks summed in fp32.</dd>
 *   <dt>binary ({@link dev.squall.tasks.quant.Binary}) — 1 bit per weight</dt>
 *   <dd>{@code α = mean|w|} over the row (the scale that minimises {@code Σ(w − α·sign w)²}), {@code ŵ = α} where
 *   {@code w >= 0} (zero counts as positive), {@code −α} elsewhere. {@code int[] bits} ({@code n·B}), bit
 *   {@code t} of word {@code j·B + b} set for {@code ŵ = +α} at weight {@code 32b + t}; {@code float[] scales}
 *   ({@code n}). Error: exactly {@code |w − ŵ| = ||w| − α|}.</dd>
 *   <dt>int8 × int8 ({@link dev.squall.tasks.quant.Int8Activations})</dt>
 *   <dd>int8 per-row weights with activations quantised per row at run time; see that class.</dd>
 *   <dt>int8 KV cache ({@link dev.squall.tasks.quant.Int8KvAttention})</dt>
 *   <dd>one int8 vector and one fp32 scale per (token, head); see that class.</dd>
 *   <dt>activation codes ({@link dev.squall.tasks.quant.ActivationCodes}) — 8, 4 or 2 bits + 64 per group</dt>
 *   <dd>not a weight format: activations saved for backward in training, quantised affinely per group of a
 *   row's columns (ActNN), round to nearest at 8 bits, seeded stochastic rounding at 4 and 2; see that class.</dd>
 * </dl>
 * fp16 and bf16 storage are in {@code dev.squall.tasks.precision}, pruned (CSR, 2:4) weights in
 * {@code dev.squall.tasks.sparse}. Packing, unpacking and quantisation (not kernels) are in the engine's
 * {@code dev.squall.engine.compress}.
 */
package dev.squall.tasks.quant;
