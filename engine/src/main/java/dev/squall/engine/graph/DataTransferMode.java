package dev.squall.engine.graph;

/** When a declared transfer between host and device happens, as in TornadoVM. */
public enum DataTransferMode {
    /** Only on a plan's first execution: weights and other constants. */
    FIRST_EXECUTION,
    /** On every execution: activations. */
    EVERY_EXECUTION,
    /** Only when the caller asks for it (to host). */
    UNDER_DEMAND
}
