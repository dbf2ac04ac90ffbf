package dev.squall.engine.compress;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.quant.Int8Activations;

/**
 * Activations quantised to int8 per row when they arrive, for the integer GEMMs ({@code w8a8},
 * {@code ternary-a8}): the quants and one fp32 scale per row.
 *
 * @param q      {@code rows · in} quants
 * @param scales {@code rows} scales
 */
record Int8Rows(byte[] q, float[] scales) {

    /**
     * Adds the task {@code name.quantize} quantising {@code x[rows, in]}; input columns whose {@code flags} entry
     * is set (outliers) are left out. {@code flags} must be written by an earlier task or be {@link #noOutliers}.
     */
    static Int8Rows quantize(TaskGraph g, String name, float[] x, int[] flags, int rows, int in) {
        Int8Rows a = new Int8Rows(new byte[Math.multiplyExact(rows, in)], new float[rows]);
        g.task(name + ".quantize", rows, Int8Activations::quantizeRows, x, flags, a.q, a.scales, in);
        return a;
    }

    /** Outlier flags that flag nothing: zeros, transferred once. */
    static int[] noOutliers(TaskGraph g, int in) {
        int[] flags = new int[in];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, flags);
        return flags;
    }
}
