package dev.squall.tornado;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Task;
import dev.squall.engine.graph.TaskGraph;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Squall task graphs as TornadoVM task graphs: the same transfers, the same kernels and arguments with the
 * parallel range {@code (0, rows)}, and arrays kept on the device between graphs. TornadoVM hands
 * persisted arrays only from the graph executed last to the next one, while Squall lets any later graph
 * consume what an earlier one persisted; so every graph consumes all arrays still needed later
 * ("live") from its predecessor and persists them for its successor, whether its own tasks use them or not.
 * TornadoVM identifiers are made from the Squall names (letters, digits and {@code _} only), numbered so
 * they stay unique.
 */
final class Translation {
    /**
     * One translated graph.
     *
     * @param id      TornadoVM graph name
     * @param squall  the Squall graph
     * @param tornado the TornadoVM graph
     * @param taskIds TornadoVM task names, in the order of the Squall graph's tasks
     */
    record Graph(String id, TaskGraph squall, uk.ac.manchester.tornado.api.TaskGraph tornado, List<String> taskIds) {
    }

    private Translation() {
    }

    /** Translates {@code graphs}; TornadoVM graph names start with {@code prefix}. */
    static List<Graph> of(List<TaskGraph> graphs, String prefix, SketchGuard guard) {
        List<Graph> out = new ArrayList<>(graphs.size());
        Set<Object> liveIn = new LinkedHashSet<>();
        for (int i = 0; i < graphs.size(); i++) {
            TaskGraph g = graphs.get(i);
            if (g.tasks().isEmpty()) {
                throw new IllegalArgumentException("graph '" + g.name() + "' has no tasks; TornadoVM runs no such graph");
            }
            String id = prefix + i + "_" + clean(g.name());
            var tg = new uk.ac.manchester.tornado.api.TaskGraph(id);
            Set<Object> toDevice = arrays(g, TaskGraph.Direction.TO_DEVICE, null);
            Set<Object> consumed = new LinkedHashSet<>();
            liveIn.stream().filter(a -> !toDevice.contains(a)).forEach(consumed::add);
            if (!consumed.isEmpty()) {
                tg.consumeFromDevice(out.get(i - 1).id(), consumed.toArray());
            }
            transfer(g, TaskGraph.Direction.TO_DEVICE, DataTransferMode.FIRST_EXECUTION, tg);
            transfer(g, TaskGraph.Direction.TO_DEVICE, DataTransferMode.EVERY_EXECUTION, tg);
            List<String> taskIds = new ArrayList<>();
            for (int j = 0; j < g.tasks().size(); j++) {
                Task task = g.tasks().get(j);
                String taskId = "t" + j + "_" + clean(task.name());
                addTask(g, tg, id, taskId, task, guard);
                taskIds.add(taskId);
            }
            transfer(g, TaskGraph.Direction.TO_HOST, DataTransferMode.EVERY_EXECUTION, tg);
            transfer(g, TaskGraph.Direction.TO_HOST, DataTransferMode.UNDER_DEMAND, tg);
            if (!arrays(g, TaskGraph.Direction.TO_HOST, DataTransferMode.FIRST_EXECUTION).isEmpty()) {
                throw new IllegalArgumentException("graph '" + g.name() + "' copies arrays to the host on the first"
                        + " execution only; TornadoVM copies results back on every execution or on demand");
            }
            Set<Object> liveOut = live(graphs, i);
            Set<Object> onDevice = new LinkedHashSet<>(liveOut);
            onDevice.addAll(deviceOnly(g, consumed));
            if (!onDevice.isEmpty()) {
                tg.persistOnDevice(onDevice.toArray());
            }
            out.add(new Graph(id, g, tg, List.copyOf(taskIds)));
            liveIn = liveOut;
        }
        return out;
    }

    private static void addTask(TaskGraph g, uk.ac.manchester.tornado.api.TaskGraph tg, String graphId,
                                String taskId, Task task, SketchGuard guard) {
        try {
            guard.run(graphId + "." + taskId, () -> KernelTasks.add(tg, taskId, task));
        } catch (TimeoutException e) {
            throw new KernelBailoutException(g.name(), task.name(), task.method().label(), e.getMessage(), null);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw new KernelBailoutException(g.name(), task.name(), task.method().label(),
                    "TornadoVM could not analyse the kernel", e);
        }
    }

    /**
     * Arrays of {@code g}'s tasks that no transfer names: intermediates one task writes and a later one
     * reads. TornadoVM refuses task arguments no transfer declares, so they are declared as copied to the
     * host on demand (TornadoVM's "persist on device"), which allocates them on the device and never copies them.
     */
    private static Set<Object> deviceOnly(TaskGraph g, Set<Object> consumed) {
        Set<Object> declared = arrays(g, null, null);
        declared.addAll(consumed);
        Set<Object> intermediates = new LinkedHashSet<>();
        for (Task t : g.tasks()) {
            t.args().stream().filter(a -> a.getClass().isArray() && !declared.contains(a)).forEach(intermediates::add);
        }
        return intermediates;
    }

    /** Arrays persisted by graphs {@code 0..i} and consumed by a graph after {@code i}. */
    private static Set<Object> live(List<TaskGraph> graphs, int i) {
        Set<Object> persisted = new LinkedHashSet<>();
        graphs.subList(0, i + 1).forEach(g -> persisted.addAll(g.persisted()));
        Set<Object> live = new LinkedHashSet<>();
        for (TaskGraph later : graphs.subList(i + 1, graphs.size())) {
            later.consumed().stream().filter(persisted::contains).forEach(live::add);
        }
        return live;
    }

    private static void transfer(TaskGraph g, TaskGraph.Direction direction, DataTransferMode mode,
                                 uk.ac.manchester.tornado.api.TaskGraph tg) {
        Object[] arrays = arrays(g, direction, mode).toArray();
        if (arrays.length == 0) {
            return;
        }
        int tornadoMode = switch (mode) {
            case FIRST_EXECUTION -> uk.ac.manchester.tornado.api.enums.DataTransferMode.FIRST_EXECUTION;
            case EVERY_EXECUTION -> uk.ac.manchester.tornado.api.enums.DataTransferMode.EVERY_EXECUTION;
            case UNDER_DEMAND -> uk.ac.manchester.tornado.api.enums.DataTransferMode.UNDER_DEMAND;
        };
        if (direction == TaskGraph.Direction.TO_DEVICE) {
            tg.transferToDevice(tornadoMode, arrays);
        } else {
            tg.transferToHost(tornadoMode, arrays);
        }
    }

    /**
     * The arrays {@code g} transfers in {@code direction} with {@code mode} (any when null), in declaration
     * order. Arrays do not override {@code equals}, so a plain set holds them by identity.
     */
    private static Set<Object> arrays(TaskGraph g, TaskGraph.Direction direction, DataTransferMode mode) {
        Set<Object> arrays = new LinkedHashSet<>();
        for (TaskGraph.Transfer t : g.transfers()) {
            if ((direction == null || t.direction() == direction) && (mode == null || t.mode() == mode)) {
                arrays.add(t.array());
            }
        }
        return arrays;
    }

    /** A TornadoVM identifier from a Squall name. */
    static String clean(String name) {
        String id = name.replaceAll("[^A-Za-z0-9_]", "_");
        return id.length() > 40 ? id.substring(0, 40) : id;
    }
}
