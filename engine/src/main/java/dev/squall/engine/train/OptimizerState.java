package dev.squall.engine.train;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW's state: the number of updates done and, per parameter, the moments {@code exp_avg} and {@code exp_avg_sq}
 * (PyTorch's names). Saving and restoring it with the weights resumes training bit-identically.
 *
 * @param step     updates done
 * @param expAvg   first moments by parameter name
 * @param expAvgSq second moments by parameter name
 */
public record OptimizerState(long step, Map<String, float[]> expAvg, Map<String, float[]> expAvgSq) {
    /** The name of the step count in {@link #stateDict()}. */
    public static final String STEP = "step";
    /** The prefix of first moments in {@link #stateDict()}. */
    public static final String EXP_AVG = "exp_avg.";
    /** The prefix of second moments in {@link #stateDict()}. */
    public static final String EXP_AVG_SQ = "exp_avg_sq.";

    /**
     * As named tensors for an {@code .npz}: {@code step} (int32 {@code [1]}), {@code exp_avg.<name>} and
     * {@code exp_avg_sq.<name>} (float32, flat).
     */
    public Map<String, NdArray> stateDict() {
        if (step > Integer.MAX_VALUE) {
            throw new IllegalStateException("step " + step + " does not fit an int32");
        }
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put(STEP, NdArray.of(new int[] {(int) step}, new int[] {1}));
        expAvg.forEach((k, a) -> m.put(EXP_AVG + k, NdArray.of(a, new int[] {a.length})));
        expAvgSq.forEach((k, a) -> m.put(EXP_AVG_SQ + k, NdArray.of(a, new int[] {a.length})));
        return m;
    }

    /** The state {@link #stateDict()} wrote; throws an {@link IllegalArgumentException} naming what is wrong. */
    public static OptimizerState fromStateDict(Map<String, NdArray> tensors) {
        NdArray s = tensors.get(STEP);
        if (s == null || s.dtype() != DType.INT32 || s.size() != 1) {
            throw new IllegalArgumentException("optimizer state: '" + STEP + "' must be one int32"
                    + (s == null ? ", missing" : ", got " + s.describe()));
        }
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (Map.Entry<String, NdArray> e : tensors.entrySet()) {
            String k = e.getKey();
            if (k.equals(STEP)) {
                continue;
            }
            if (e.getValue().dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("optimizer state: '" + k + "' must be float32, got "
                        + e.getValue().describe());
            }
            if (k.startsWith(EXP_AVG_SQ)) {
                v.put(k.substring(EXP_AVG_SQ.length()), (float[]) e.getValue().data());
            } else if (k.startsWith(EXP_AVG)) {
                m.put(k.substring(EXP_AVG.length()), (float[]) e.getValue().data());
            } else {
                throw new IllegalArgumentException("optimizer state: unexpected tensor '" + k + "'");
            }
        }
        return new OptimizerState(((int[]) s.data())[0], m, v);
    }
}
