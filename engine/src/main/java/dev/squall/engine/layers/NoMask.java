package dev.squall.engine.layers;

/** The placeholder passed as the additive mask of attention kernels that run without one. */
final class NoMask {
    /** One element: device backends cannot transfer empty arrays. Never written. */
    static final float[] ARRAY = new float[1];

    private NoMask() {
    }
}
