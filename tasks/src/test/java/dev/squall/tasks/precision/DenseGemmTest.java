package dev.squall.tasks.precision;

import dev.squall.tasks.gemm.WeightRowsCheck;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

/**
 * The three {@link DenseGemm} kernels against the float64 GEMM with the weight they hold: fp32 as is, fp16
 * and bf16 widened by the JDK ({@link Float#float16ToFloat}) and by the bf16 reference.
 */
class DenseGemmTest {
    @Test
    void fp32MatchesFloat64() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            float[] w = rnd.gaussian(s[1] * s[2]);
            WeightRowsCheck.check("DenseGemm.gemmF32", rnd, s[0], s[1], s[2], w,
                    (x, bias, y, m, n, k, hb, act, off, cnt) -> DenseGemm.gemmF32(x, w, bias, y, m, n, k, hb, act,
                            off, cnt));
        }
    }

    @Test
    void fp16MatchesFloat64() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            float[] source = rnd.gaussian(s[1] * s[2]);
            short[] h = new short[source.length];
            float[] w = new float[source.length];
            for (int i = 0; i < h.length; i++) {
                h[i] = Float.floatToFloat16(source[i]);
                w[i] = Float.float16ToFloat(h[i]);
            }
            WeightRowsCheck.check("DenseGemm.gemmF16", rnd, s[0], s[1], s[2], w,
                    (x, bias, y, m, n, k, hb, act, off, cnt) -> DenseGemm.gemmF16(x, h, bias, y, m, n, k, hb, act,
                            off, cnt));
        }
    }

    @Test
    void bf16MatchesFloat64() {
        for (int[] s : WeightRowsCheck.SHAPES) {
            RandomArrays rnd = RandomArrays.fresh();
            float[] source = rnd.gaussian(s[1] * s[2]);
            short[] b = new short[source.length];
            float[] w = new float[source.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = BFloat16Test.reference(source[i]);
                w[i] = BFloat16Test.referenceToFloat(b[i]);
            }
            WeightRowsCheck.check("DenseGemm.gemmBf16", rnd, s[0], s[1], s[2], w,
                    (x, bias, y, m, n, k, hb, act, off, cnt) -> DenseGemm.gemmBf16(x, b, bias, y, m, n, k, hb, act,
                            off, cnt));
        }
    }
}
