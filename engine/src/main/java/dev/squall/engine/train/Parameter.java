package dev.squall.engine.train;

/**
 * One trained tensor: its values (the model's own array, updated in place), its gradient and AdamW's two
 * moments, all of the same length.
 *
 * @param name  nanoGPT's state-dict name
 * @param shape its shape
 * @param value the parameter
 * @param grad  its gradient, accumulated by the backward graphs
 * @param m     AdamW's first moment
 * @param v     AdamW's second moment
 */
record Parameter(String name, int[] shape, float[] value, float[] grad, float[] m, float[] v) {
    /** A parameter over {@code value} with zeroed gradient and moments. */
    static Parameter of(String name, int[] shape, float[] value) {
        return new Parameter(name, shape.clone(), value, new float[value.length], new float[value.length],
                new float[value.length]);
    }

    /** Whether AdamW decays it: tensors of two or more dimensions, as nanoGPT's {@code configure_optimizers}. */
    boolean decays() {
        return shape.length >= 2;
    }

    /** Its last dimension: the row length for row-parallel kernels over it. */
    int cols() {
        return shape[shape.length - 1];
    }
}
