package dev.squall.tasks.sparse;

import dev.squall.tasks.Out;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.gemm.Gemm;

/**
 * GEMM with a 2:4 structured sparse weight: in every group of 4 consecutive weights of a row at most 2 are
 * non-zero, stored as 2 values and two 2-bit positions (NVIDIA's sparse tensor-core layout). Row {@code j} has
 * {@code k/4} groups; group {@code g} keeps {@code vals[j·k/2 + 2g + s]} at column {@code 4g + pos_s},
 * {@code s = 0, 1}, where the 4-bit code of group {@code g} is nibble {@code g % 2} (low first) of
 * {@code meta[j·ceil(k/8) + g/2]}: bits 0–1 {@code pos_0}, bits 2–3 {@code pos_1} (see the package
 * documentation). Half the multiply-adds of the dense product; the zeros are never visited.
 */
public final class Sparse24 {
    /** Weights per group. */
    public static final int GROUP = 4;

    private Sparse24() {
    }

    /**
     * {@code y[m, n] = act(x[m, k] · Wᵀ (+ bias))} for {@code k} a multiple of 4; parallel rows are the {@code n}
     * output features, each summing slot 0 then slot 1 of each group, groups in ascending order.
     */
    public static void gemm(float[] x, float[] vals, byte[] meta, float[] bias, @Out float[] y, int m, int n, int k,
                            int hasBias, int activation, int rowOffset, int rowCount) {
        int groups = k / GROUP;
        int metaPerRow = (groups + 1) / 2;
        for (@Parallel int r = 0; r < rowCount; r++) {
            int j = rowOffset + r;
            for (@Parallel int i = 0; i < m; i++) {
                float acc = 0f;
                for (int g = 0; g < groups; g++) {
                    int code = (unsigned(meta[j * metaPerRow + g / 2]) >> (4 * (g & 1))) & 0xf;
                    int base = i * k + g * GROUP;
                    acc += x[base + (code & 3)] * vals[j * 2 * groups + 2 * g];
                    acc += x[base + (code >> 2)] * vals[j * 2 * groups + 2 * g + 1];
                }
                y[i * n + j] = Gemm.epilogue(acc, bias, j, hasBias, activation);
            }
        }
    }

    /**
     * The byte {@code b} as an unsigned value {@code 0 .. 255}, through an exact float conversion: TornadoVM 5.2
     * keeps the {@code char} type of a loaded byte through integer arithmetic (its OpenCL code added the 2-bit
     * position to the row offset in 8 bits), and {@code b & 0xff} is such arithmetic; a conversion from float is
     * emitted as an {@code int}.
     */
    static int unsigned(byte b) {
        float f = b;
        return (int) (f < 0f ? f + 256f : f);
    }
}
