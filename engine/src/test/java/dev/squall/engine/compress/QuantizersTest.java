package dev.squall.engine.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import org.junit.jupiter.api.Test;

/**
 * The quantisers: each one's error on Gaussian weights stays within the bound its definition implies, per
 * weight (bounds as stated in {@code dev.squall.tasks.quant}); ggml's rounding rules on hand-made blocks; and
 * the relative RMS error on N(0, 1) weights, printed and sanity-bounded by the value the definition predicts.
 * Rows of 100 weights leave a partial last block.
 */
class QuantizersTest {
    private static final int OUT = 37;
    private static final int IN = 100;

    private static RowWeights gaussian(RandomArrays rnd) {
        return new RowWeights(rnd.gaussian(OUT * IN), new float[OUT], OUT, IN);
    }

    @Test
    void q8_0ErrsByHalfAStepPlusTheScaleRounding() {
        RandomArrays rnd = RandomArrays.fresh();
        RowWeights w = gaussian(rnd);
        Q8Linear q = Q8Linear.quantize(w);
        float[] hat = q.dequantize();
        for (int j = 0; j < OUT; j++) {
            for (int p = 0; p < IN; p++) {
                int b = p / 32;
                float amax = 0f;
                for (int t = b * 32; t < Math.min(IN, b * 32 + 32); t++) {
                    amax = Math.max(amax, Math.abs(w.w()[j * IN + t]));
                }
                double d = amax / 127f;
                double d16 = Float.float16ToFloat(q.d()[j * 4 + b]);
                double bound = d * (0.5 + 0x1p-16) + 127 * Math.abs(d - d16);
                double err = Math.abs(w.w()[j * IN + p] - (double) hat[j * IN + p]);
                assertTrue(err <= bound, Seeds.describe(rnd.seed()) + " q8_0 error " + err + " > " + bound);
            }
        }
        assertRmsBelow("q8_0", w, hat, 0.01, rnd.seed());
    }

    /** Hand-made blocks: roundf ties away from zero; the largest weight maps to ±127; zero blocks stay zero. */
    @Test
    void q8_0RoundsAsGgml() {
        float[] row = new float[64];
        row[0] = 127f;
        row[1] = 2.5f;
        row[2] = -2.5f;
        row[3] = 0.5f;
        row[4] = -127f;
        Q8Linear q = Q8Linear.quantize(new RowWeights(row, new float[1], 1, 64));
        assertEquals(Float.floatToFloat16(1f), q.d()[0]);
        assertArrayEquals(new byte[] {127, 3, -3, 1, -127}, java.util.Arrays.copyOf(q.qs(), 5));
        assertEquals(0, q.d()[1], "an all-zero block has scale 0");
        assertEquals(0f, q.dequantize()[40]);
    }

    @Test
    void q4_0ErrsByHalfAStepExceptClampedWeights() {
        RandomArrays rnd = RandomArrays.fresh();
        RowWeights w = gaussian(rnd);
        Q4Linear q = Q4Linear.quantize(w);
        float[] hat = q.dequantize();
        for (int j = 0; j < OUT; j++) {
            for (int b = 0; b < 4; b++) {
                float amax = 0f;
                float max = 0f;
                for (int t = b * 32; t < Math.min(IN, b * 32 + 32); t++) {
                    float v = w.w()[j * IN + t];
                    if (amax < Math.abs(v)) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                double d = max / -8f;
                double dErr = 8 * Math.abs(d - Float.float16ToFloat(q.d()[j * 4 + b]));
                for (int t = b * 32; t < Math.min(IN, b * 32 + 32); t++) {
                    double v = w.w()[j * IN + t];
                    boolean clamped = v / d > 7.5;
                    double bound = Math.abs(d) * (clamped ? 1 : 0.5) * (1 + 0x1p-16) + dErr;
                    double err = Math.abs(v - hat[j * IN + t]);
                    assertTrue(err <= bound, Seeds.describe(rnd.seed()) + " q4_0 error " + err + " > " + bound);
                }
            }
        }
        assertRmsBelow("q4_0", w, hat, 0.15, rnd.seed());
    }

    /**
     * ggml's Q4_0 rule on a hand-made block: d = max/−8 from the signed weight of largest magnitude, nibble
     * {@code min(15, trunc(w/d + 8.5))}: the largest weight becomes nibble 0 (−8·d), the opposite extreme is
     * clamped to 15, ties round up, byte t packs weights t (low) and t+16 (high).
     */
    @Test
    void q4_0RoundsAsGgml() {
        float[] row = new float[32];
        row[0] = 8f;    // max: d = -1, nibble 0
        row[1] = -8f;   // -8 / -1 = 8 → 16.5 → clamped to 15
        row[2] = 0.5f;  // -0.5 + 8.5 = 8.0 → 8
        row[3] = -0.5f; // 0.5 + 8.5 = 9.0 → 9
        row[16] = 3f;   // -3 + 8.5 = 5.5 → 5
        Q4Linear q = Q4Linear.quantize(new RowWeights(row, new float[1], 1, 32));
        assertEquals(Float.floatToFloat16(-1f), q.d()[0]);
        assertEquals(0 | 5 << 4, q.qs()[0] & 0xff);
        assertEquals(15 | 8 << 4, q.qs()[1] & 0xff);
        assertEquals(8 | 8 << 4, q.qs()[2] & 0xff);
        assertEquals(9 | 8 << 4, q.qs()[3] & 0xff);
        float[] hat = q.dequantize();
        assertEquals(8f, hat[0]);
        assertEquals(-7f, hat[1]);
        assertEquals(3f, hat[16]);
    }

    @Test
    void int8ErrsByHalfAStepPerRowAndPerGroup() {
        for (int g : new int[] {IN, 32, 7, 1}) {
            RandomArrays rnd = RandomArrays.fresh();
            RowWeights w = gaussian(rnd);
            Int8Linear q = Int8Linear.quantize(w, g);
            float[] hat = q.dequantize();
            int groups = (IN + g - 1) / g;
            for (int i = 0; i < hat.length; i++) {
                double s = q.scales()[(i / IN) * groups + (i % IN) / g];
                double err = Math.abs(w.w()[i] - (double) hat[i]);
                assertTrue(err <= s * (0.5 + 0x1p-16), Seeds.describe(rnd.seed()) + " int8 G=" + g + " error " + err);
            }
            assertEquals(g == IN ? "int8" : "int8g:" + g, q.format());
            assertRmsBelow("int8 G=" + g, w, hat, 0.01, rnd.seed());
        }
    }

    /**
     * {@code |w − γt| <= γ/2} inside the unclipped range {@code |w| <= 3γ/2}, {@code |w| − γ} beyond. On N(0, 1)
     * the relative RMS error is about 0.52 for the per-tensor γ ≈ 0.80 (the clipping of the tails dominates).
     */
    @Test
    void ternaryErrorIsHalfAStepOrTheClipping() {
        for (boolean perRow : new boolean[] {false, true}) {
            RandomArrays rnd = RandomArrays.fresh();
            RowWeights w = gaussian(rnd);
            TernaryLinear q = TernaryLinear.quantize(w, perRow);
            float[] hat = q.dequantize();
            double sum = 0;
            for (float v : w.w()) {
                sum += Math.abs(v);
            }
            for (int i = 0; i < hat.length; i++) {
                double gamma = q.scales()[i / IN];
                if (!perRow) {
                    assertEquals((float) (sum / w.w().length), (float) gamma, "per-tensor γ = mean |w|");
                }
                double v = Math.abs(w.w()[i]);
                double bound = (v <= 1.5 * gamma ? gamma / 2 : v - gamma) * (1 + 1e-6);
                double err = Math.abs(w.w()[i] - (double) hat[i]);
                assertTrue(err <= bound, Seeds.describe(rnd.seed()) + " ternary error " + err + " > " + bound);
                assertTrue(hat[i] == 0f || Math.abs(hat[i]) == (float) gamma);
            }
            assertRmsBelow("ternary" + (perRow ? ":row" : ""), w, hat, 0.6, rnd.seed());
        }
    }

    /**
     * {@code |w − ŵ| = ||w| − α|} with {@code α = mean|w|} of the row; on N(0, 1) the relative RMS error is
     * {@code √(1 − 2/π) ≈ 0.603} (the variance of |w| over its second moment).
     */
    @Test
    void binaryErrorIsTheDistanceToTheMeanMagnitude() {
        RandomArrays rnd = RandomArrays.fresh();
        RowWeights w = gaussian(rnd);
        BinaryLinear q = BinaryLinear.quantize(w);
        float[] hat = q.dequantize();
        for (int i = 0; i < hat.length; i++) {
            double alpha = q.scales()[i / IN];
            double expected = Math.abs(Math.abs(w.w()[i]) - alpha);
            assertEquals(expected, Math.abs(w.w()[i] - (double) hat[i]), 1e-6 * alpha);
        }
        assertRmsBelow("binary", w, hat, 0.66, rnd.seed());
    }

    @Test
    void halvesRoundToNearestEven() {
        RandomArrays rnd = RandomArrays.fresh();
        RowWeights w = gaussian(rnd);
        for (HalfLinear.Precision p : HalfLinear.Precision.values()) {
            HalfLinear q = HalfLinear.quantize(w, p);
            float[] hat = q.dequantize();
            double rel = p == HalfLinear.Precision.FP16 ? 0x1p-11 : 0x1p-8;
            for (int i = 0; i < hat.length; i++) {
                float v = w.w()[i];
                short expected = p == HalfLinear.Precision.FP16 ? Float.floatToFloat16(v)
                        : (short) ((Float.floatToRawIntBits(v) + 0x7fff + ((Float.floatToRawIntBits(v) >>> 16) & 1))
                        >>> 16);
                assertEquals(expected, q.w()[i]);
                assertTrue(Math.abs(v - hat[i]) <= rel * Math.abs(v) + 0x1p-25, p + " error at " + i);
            }
        }
    }

    private static void assertRmsBelow(String format, RowWeights w, float[] hat, double bound, long seed) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < hat.length; i++) {
            num += (w.w()[i] - (double) hat[i]) * (w.w()[i] - (double) hat[i]);
            den += (double) w.w()[i] * w.w()[i];
        }
        double rel = Math.sqrt(num / den);
        System.out.printf("quantisation: %-10s relative RMS error %.4f on N(0,1) weights%n", format, rel);
        assertTrue(rel < bound, format + " relative RMS error " + rel + " >= " + bound + " " + Seeds.describe(seed));
    }
}
