package dev.squall.engine.jvm;

import dev.squall.engine.graph.ArraySizes;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.Task;
import dev.squall.engine.graph.TaskGraph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A plan on the JVM backend: tasks run in order, each split over the worker pool. */
final class JvmPlan implements ExecutionPlan {
    private final String backend;
    private final List<TaskGraph> graphs;
    private final WorkerPool pool;
    private final Map<Task, FastPaths.Implementation> fast = new IdentityHashMap<>();
    private final PlanConstants constants;
    private int executions;

    JvmPlan(String backend, List<TaskGraph> graphs, WorkerPool pool, FastPaths fastPaths) {
        this.backend = backend;
        this.graphs = graphs;
        this.pool = pool;
        for (TaskGraph g : graphs) {
            for (Task t : g.tasks()) {
                fastPaths.of(t.method().method()).ifPresent(impl -> fast.put(t, impl));
            }
        }
        this.constants = new PlanConstants(constants(graphs));
    }

    /** Arrays transferred on first execution only that no task writes: weights, for {@link PlanConstants}. */
    private static Set<Object> constants(List<TaskGraph> graphs) {
        Set<Object> once = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TaskGraph g : graphs) {
            for (TaskGraph.Transfer t : g.transfers()) {
                if (t.direction() == TaskGraph.Direction.TO_DEVICE && t.mode() == DataTransferMode.FIRST_EXECUTION) {
                    once.add(t.array());
                }
            }
        }
        for (TaskGraph g : graphs) {
            for (Task task : g.tasks()) {
                task.outputs().forEach(once::remove);
            }
        }
        return once;
    }

    @Override
    public List<TaskGraph> graphs() {
        return graphs;
    }

    @Override
    public int executions() {
        return executions;
    }

    @Override
    public Profile execute() {
        List<Profile.GraphProfile> profiles = new ArrayList<>(graphs.size());
        for (TaskGraph g : graphs) {
            long start = System.nanoTime();
            List<Profile.TaskProfile> tasks = new ArrayList<>(g.tasks().size());
            for (Task task : g.tasks()) {
                tasks.add(run(g, task));
            }
            profiles.add(new Profile.GraphProfile(g.name(), System.nanoTime() - start,
                    transferred(g, TaskGraph.Direction.TO_DEVICE), transferred(g, TaskGraph.Direction.TO_HOST), tasks));
        }
        executions++;
        return new Profile(backend, profiles);
    }

    private Profile.TaskProfile run(TaskGraph g, Task task) {
        FastPaths.Implementation impl = fast.get(task);
        WorkerPool.RangeBody body = impl == null ? (offset, count) -> task.run(task.kernel(), offset, count)
                : (offset, count) -> constants.within(() -> impl.run(task.args(), offset, count));
        long start = System.nanoTime();
        try {
            pool.parallelFor(task.rows(), body);
        } catch (RuntimeException e) {
            throw new IllegalStateException("graph '" + g.name() + "' task '" + task.name() + "' ("
                    + task.method().label() + ") failed: " + e, e);
        }
        return new Profile.TaskProfile(task.name(), task.method().label(), impl == null ? "plain" : impl.label(),
                System.nanoTime() - start,
                task.bytesRead(), task.bytesWritten());
    }

    private long transferred(TaskGraph g, TaskGraph.Direction direction) {
        return g.transfers().stream()
                .filter(t -> t.direction() == direction)
                .filter(t -> t.mode() == DataTransferMode.EVERY_EXECUTION
                        || (t.mode() == DataTransferMode.FIRST_EXECUTION && executions == 0))
                .mapToLong(t -> ArraySizes.bytes(t.array()))
                .sum();
    }
}
