package dev.squall.engine.graph;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Splits a graph into one graph per task, the way an application that offloads operation by operation
 * runs it, so that a benchmark can show what keeping a whole graph on the device saves. Arrays the
 * original graph brings in are brought in by every split graph that reads them, with the same mode;
 * arrays it sends back are sent back by the graph of their last writer; an array one task writes and a
 * later task reads crosses the boundary between their graphs as {@link Boundary} says.
 */
public final class GraphSplit {
    /** How an array written by one task and read by a later one gets from the first graph to the second. */
    public enum Boundary {
        /**
         * Copied back to the host after its writer and to the device again before each reader, on every
         * execution: the naive offload pattern.
         */
        HOST_ROUND_TRIP,
        /** Left on the device: persisted by its writer's graph and consumed by its readers' graphs. */
        PERSIST
    }

    private GraphSplit() {
    }

    /**
     * One graph per task of {@code graph}, in task order, named {@code graph/task}. The graph must be
     * self-contained: it may neither consume nor persist arrays.
     */
    public static List<TaskGraph> perTask(TaskGraph graph, Boundary boundary) {
        if (!graph.consumed().isEmpty() || !graph.persisted().isEmpty()) {
            throw new IllegalArgumentException("graph '" + graph.name()
                    + "' exchanges arrays with other graphs; only a self-contained graph can be split");
        }
        DataFlow.check(List.of(graph));
        List<Task> tasks = graph.tasks();
        Map<Object, DataTransferMode> toDevice = transfers(graph, TaskGraph.Direction.TO_DEVICE);
        Map<Object, DataTransferMode> toHost = transfers(graph, TaskGraph.Direction.TO_HOST);
        List<Set<Object>> handedOn = handedOn(tasks);
        Map<Object, Integer> lastWriter = new IdentityHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            for (Object a : tasks.get(i).outputs()) {
                lastWriter.put(a, i);
            }
        }
        List<TaskGraph> split = new ArrayList<>(tasks.size());
        Set<Object> written = TaskGraph.identitySet();
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            TaskGraph g = new TaskGraph(graph.name() + "/" + task.name());
            for (Object a : task.inputs()) {
                if (!written.contains(a)) {
                    g.transferToDevice(toDevice.get(a), a);
                } else if (boundary == Boundary.PERSIST) {
                    g.consumeFromDevice(a);
                } else {
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, a);
                }
            }
            g.add(task);
            for (Object a : task.outputs()) {
                written.add(a);
                if (handedOn.get(i).contains(a)) {
                    if (boundary == Boundary.PERSIST) {
                        g.persistOnDevice(a);
                    } else {
                        g.transferToHost(DataTransferMode.EVERY_EXECUTION, a);
                    }
                }
                if (toHost.containsKey(a) && lastWriter.get(a) == i) {
                    g.transferToHost(toHost.get(a), a);
                }
            }
            split.add(g);
        }
        return split;
    }

    /** Per task, the arrays it writes that a later task reads before anything overwrites them. */
    private static List<Set<Object>> handedOn(List<Task> tasks) {
        List<Set<Object>> handedOn = new ArrayList<>(tasks.size());
        Map<Object, Integer> writer = new IdentityHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            handedOn.add(TaskGraph.identitySet());
            for (Object a : tasks.get(i).inputs()) {
                Integer w = writer.get(a);
                if (w != null) {
                    handedOn.get(w).add(a);
                }
            }
            for (Object a : tasks.get(i).outputs()) {
                writer.put(a, i);
            }
        }
        return handedOn;
    }

    private static Map<Object, DataTransferMode> transfers(TaskGraph g, TaskGraph.Direction direction) {
        Map<Object, DataTransferMode> modes = new IdentityHashMap<>();
        for (TaskGraph.Transfer t : g.transfers()) {
            if (t.direction() == direction) {
                modes.put(t.array(), t.mode());
            }
        }
        return modes;
    }
}
