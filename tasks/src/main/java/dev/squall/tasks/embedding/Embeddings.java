package dev.squall.tasks.embedding;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;

/**
 * Token and position embeddings ({@code wte [vocab, C]}, {@code wpe [blockSize, C]}, as nanoGPT) and their
 * backward. The backward gathers instead of scattering, so it needs no atomics and no split can change a bit:
 * {@link #indexRows} sorts the rows that use each table row (a counting sort, stable, O(n + table rows)), then
 * {@link #tableBackward} gives each table row to one parallel row, which adds its rows' gradients in row order.
 * For {@code out = wte[tokens] + wpe[positions]}: {@code indexRows(tokens)} then {@code tableBackward} into
 * {@code dWte}, and {@code indexRows(positions)} then {@code tableBackward} into {@code dWpe}; O(n·C) in all.
 * The gradients accumulate ({@code +=}), so a tied {@code lm_head}'s gradient and micro-batches add into the
 * same {@code dWte}. Indices must lie in {@code [0, table rows)}: the caller checks them.
 */
public final class Embeddings {
    private Embeddings() {
    }

    /** {@code out[r, :] = wte[tokens[r], :] + wpe[positions[r], :]}: row {@code r} is token {@code r}. */
    public static void tokenPosition(int[] tokens, int[] positions, float[] wte, float[] wpe, @Out float[] out,
                                     int channels, int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int row = rowOffset + r;
            int t = tokens[row] * channels;
            int p = positions[row] * channels;
            for (int c = 0; c < channels; c++) {
                out[row * channels + c] = wte[t + c] + wpe[p + c];
            }
        }
    }

    /**
     * Counting sort of the {@code n} indices {@code ids} (each in {@code [0, tableRows)}): afterwards
     * {@code order[offsets[v] .. offsets[v+1])} lists, in ascending order, the positions {@code i} with
     * {@code ids[i] = v}; {@code offsets} has {@code tableRows + 1} entries. One parallel row (the sort is
     * sequential; it is linear in {@code n + tableRows} and small beside the gradients it orders).
     */
    public static void indexRows(int[] ids, @Out int[] offsets, @Out int[] order, int n, int tableRows, int rowOffset,
                                 int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            for (int v = 0; v <= tableRows; v++) {
                offsets[v] = 0;
            }
            for (int i = 0; i < n; i++) {
                offsets[ids[i] + 1] += 1;
            }
            for (int v = 0; v < tableRows; v++) {
                offsets[v + 1] += offsets[v];
            }
            // offsets[v] is now where v's positions start; use it as v's cursor, which leaves it at v's end ...
            for (int i = 0; i < n; i++) {
                int at = offsets[ids[i]];
                order[at] = i;
                offsets[ids[i]] = at + 1;
            }
            // ... which is where v + 1 starts: shift back by one.
            for (int v = tableRows; v > 0; v--) {
                offsets[v] = offsets[v - 1];
            }
            offsets[0] = 0;
        }
    }

    /**
     * {@code dTable[v, :] += Σ dOut[i, :]} over the rows {@code i} that {@link #indexRows} listed for table row
     * {@code v}, in ascending {@code i}; parallel rows are the table's rows.
     */
    public static void tableBackward(float[] dOut, int[] offsets, int[] order, @Out float[] dTable, int channels,
                                     int rowOffset, int rowCount) {
        for (@Parallel int r = 0; r < rowCount; r++) {
            int v = rowOffset + r;
            int base = v * channels;
            for (int at = offsets[v]; at < offsets[v + 1]; at++) {
                int src = order[at] * channels;
                for (int c = 0; c < channels; c++) {
                    dTable[base + c] += dOut[src + c];
                }
            }
        }
    }
}
