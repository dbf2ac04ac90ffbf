package dev.squall.engine.graph;

import java.util.List;
import java.util.Set;

/**
 * Checks that a sequence of graphs is executable: each task reads only arrays that are on the device by
 * then (transferred in, consumed, or written by an earlier task of the same graph), each consumed array
 * was persisted by an earlier graph, and each array sent back to the host exists on the device.
 */
public final class DataFlow {
    private DataFlow() {
    }

    /** Throws {@link IllegalArgumentException} naming the graph, task and argument at the first violation. */
    public static void check(List<TaskGraph> graphs) {
        Set<Object> persisted = TaskGraph.identitySet();
        for (TaskGraph g : graphs) {
            Set<Object> onDevice = TaskGraph.identitySet();
            for (TaskGraph.Transfer t : g.transfers()) {
                if (t.direction() == TaskGraph.Direction.TO_DEVICE) {
                    onDevice.add(t.array());
                }
            }
            for (Object a : g.consumed()) {
                if (!persisted.contains(a)) {
                    throw new IllegalArgumentException("graph '" + g.name() + "' consumes " + ArraySizes.describe(a)
                            + " that no earlier graph of the plan persists on the device");
                }
                onDevice.add(a);
            }
            for (Task task : g.tasks()) {
                checkInputs(g, task, onDevice);
                onDevice.addAll(task.outputs());
            }
            for (TaskGraph.Transfer t : g.transfers()) {
                if (t.direction() == TaskGraph.Direction.TO_HOST && !onDevice.contains(t.array())) {
                    throw new IllegalArgumentException("graph '" + g.name() + "' transfers " + ArraySizes.describe(t.array())
                            + " to the host, but no task writes it and it was never on the device");
                }
            }
            persisted.addAll(g.persisted());
        }
    }

    private static void checkInputs(TaskGraph g, Task task, Set<Object> onDevice) {
        List<KernelMethod.Param> params = task.method().parameters();
        for (int i = 0; i < params.size(); i++) {
            Object arg = task.args().get(i);
            if (arg.getClass().isArray() && !params.get(i).output() && !onDevice.contains(arg)) {
                throw new IllegalArgumentException("graph '" + g.name() + "' task '" + task.name() + "' ("
                        + task.method().label() + ") reads '" + params.get(i).name() + "' (" + ArraySizes.describe(arg)
                        + ") which no earlier task writes and no transfer brings to the device");
            }
        }
    }
}
