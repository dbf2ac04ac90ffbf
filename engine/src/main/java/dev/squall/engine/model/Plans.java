package dev.squall.engine.model;

import dev.squall.engine.graph.ExecutionPlan;

/** Releasing plans that hold device resources (a TornadoVM plan's device memory); JVM plans hold none. */
final class Plans {
    private Plans() {
    }

    /** Closes {@code plan} if it is closeable; null is ignored. */
    static void release(ExecutionPlan plan) {
        if (plan instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("could not release plan: " + e, e);
            }
        }
    }
}
