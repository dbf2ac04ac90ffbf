package dev.squall.engine.graph;

import java.util.List;

/** Runs task graphs: the JVM backend on every machine, TornadoVM where it is installed. */
public interface Backend extends AutoCloseable {
    /** Short name, e.g. {@code jvm}. */
    String name();

    /** One line describing the backend's configuration (threads, device, fast paths). */
    String description();

    /**
     * Prepares graphs to run one after another as one plan. Checks their data flow
     * ({@link DataFlow#check}) and throws {@link IllegalArgumentException} when it is broken.
     */
    ExecutionPlan plan(List<TaskGraph> graphs);

    /** {@link #plan(List)} for one or more graphs. */
    default ExecutionPlan plan(TaskGraph... graphs) {
        return plan(List.of(graphs));
    }

    /** Releases threads or device resources. */
    @Override
    void close();
}
