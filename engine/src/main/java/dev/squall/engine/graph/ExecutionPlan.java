package dev.squall.engine.graph;

import java.util.List;

/** Graphs prepared by a backend, run together by {@link #execute()}, as many times as needed. */
public interface ExecutionPlan {
    /** The graphs in execution order. */
    List<TaskGraph> graphs();

    /** Runs every graph once, in order, and returns the profile of this execution. */
    Profile execute();

    /** Number of completed executions; {@code FIRST_EXECUTION} transfers happen only on the first. */
    int executions();
}
