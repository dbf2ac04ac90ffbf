package dev.squall.tornado;

import dev.squall.engine.graph.ArraySizes;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.Task;
import dev.squall.engine.graph.TaskGraph;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Squall graphs prepared as one {@code TornadoExecutionPlan}: translated ({@link Translation}), placed on
 * the selected device, given the configured worker grids and TornadoVM's profiler, compiled (unless the
 * settings say otherwise) and warmed up. Each execution runs the graphs one after another
 * ({@code withGraph(i)}, which is how TornadoVM hands persisted arrays from one graph to the next) and folds
 * TornadoVM's timers into Squall's {@link Profile}: per graph its compile, kernel, copy-in and copy-out
 * times and the bytes it really copied, per task its kernel time.
 *
 * <p>Bailouts are failures: a kernel TornadoVM cannot analyse or compile throws a
 * {@link KernelBailoutException} naming it, from {@code plan()} or from the first execution; and after the
 * first execution every task must have a device kernel time, else it ran as Java on the host.
 */
public final class TornadoPlan implements ExecutionPlan, AutoCloseable {
    private static final String KERNEL_TIME = "TASK_KERNEL_TIME";

    private final String backend;
    private final List<TaskGraph> graphs;
    private final List<Translation.Graph> translated;
    private final TornadoSettings settings;
    private final TornadoDevice device;
    private final SketchGuard guard;
    private final TornadoExecutionPlan plan;
    private final long[] compileNanos;
    private final Consumer<TornadoPlan> onClose;
    private int executions;
    private boolean closed;

    TornadoPlan(String backend, List<TaskGraph> graphs, String prefix, TornadoSettings settings, TornadoDevice device,
                SketchGuard guard, Consumer<TornadoPlan> onClose) {
        this.backend = backend;
        this.onClose = onClose;
        this.graphs = graphs;
        this.settings = settings;
        this.device = device;
        this.guard = guard;
        this.translated = Translation.of(graphs, prefix, guard);
        this.plan = new TornadoExecutionPlan(translated.stream().map(g -> g.tornado().snapshot())
                .toArray(ImmutableTaskGraph[]::new));
        this.compileNanos = new long[graphs.size()];
        try {
            prepare(device);
        } catch (RuntimeException | Error e) {
            try {
                plan.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Device, grids, profiler, compilation and warm-up. */
    private void prepare(TornadoDevice device) {
        plan.withDevice(device);
        grids().ifPresent(plan::withGridScheduler);
        if (settings.profiler()) {
            plan.withProfiler(ProfilerMode.SILENT);
        }
        if (settings.precompile()) {
            for (int i = 0; i < translated.size(); i++) {
                long start = System.nanoTime();
                try {
                    plan.withGraph(i).withPreCompilation();
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (RuntimeException | Error e) {
                    throw diagnose(i, e);
                }
                compileNanos[i] = System.nanoTime() - start;
            }
        }
        for (int i = 0; i < settings.warmup(); i++) {
            execute();
        }
    }

    @Override
    public List<TaskGraph> graphs() {
        return graphs;
    }

    @Override
    public int executions() {
        return executions;
    }

    /** Wall time of compiling each graph while the plan was built (zero without precompilation). */
    public List<Long> compileNanos() {
        return java.util.Arrays.stream(compileNanos).boxed().toList();
    }

    @Override
    public Profile execute() {
        if (closed) {
            throw new IllegalStateException("this TornadoVM plan was closed (its backend was closed)");
        }
        List<Profile.GraphProfile> profiles = new ArrayList<>(translated.size());
        for (int i = 0; i < translated.size(); i++) {
            long start = System.nanoTime();
            TornadoExecutionResult result;
            try {
                result = plan.withGraph(i).execute();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (RuntimeException | Error e) {
                if (executions == 0) {
                    throw diagnose(i, e);
                }
                throw new IllegalStateException("graph '" + graphs.get(i).name() + "' failed on TornadoVM: " + e, e);
            }
            profiles.add(profile(i, result, System.nanoTime() - start));
        }
        executions++;
        return new Profile(backend, profiles);
    }

    private Profile.GraphProfile profile(int i, TornadoExecutionResult result, long nanos) {
        Translation.Graph g = translated.get(i);
        List<Task> tasks = g.squall().tasks();
        if (!settings.profiler()) {
            List<Profile.TaskProfile> taskProfiles = tasks.stream().map(t -> taskProfile(t, 0)).toList();
            return new Profile.GraphProfile(g.squall().name(), nanos, declared(g.squall(), TaskGraph.Direction.TO_DEVICE),
                    declared(g.squall(), TaskGraph.Direction.TO_HOST), taskProfiles);
        }
        TornadoProfilerResult p = result.getProfilerResult();
        Map<String, Map<String, Long>> timers = ProfileLog.latestTasks(p.getProfileLog(), g.id());
        List<Profile.TaskProfile> taskProfiles = new ArrayList<>(tasks.size());
        for (int j = 0; j < tasks.size(); j++) {
            long kernelNanos = timers.getOrDefault(g.taskIds().get(j), Map.of()).getOrDefault(KERNEL_TIME, 0L);
            if (executions == 0 && kernelNanos <= 0) {
                Task t = tasks.get(j);
                throw new KernelBailoutException(g.squall().name(), t.name(), t.method().label(),
                        "ran as Java on the host, not on the device (TornadoVM bailout)", null);
            }
            taskProfiles.add(taskProfile(tasks.get(j), kernelNanos));
        }
        long compile = p.getCompileTime() + (executions == 0 ? compileNanos[i] : 0);
        return new Profile.GraphProfile(g.squall().name(), nanos, p.getTotalBytesCopyIn(), p.getTotalBytesCopyOut(),
                taskProfiles, new Profile.DeviceTimers(compile, p.getDeviceKernelTime(), p.getDeviceWriteTime(),
                p.getDeviceReadTime()));
    }

    private Profile.TaskProfile taskProfile(Task t, long nanos) {
        return new Profile.TaskProfile(t.name(), t.method().label(),
                device.getTornadoVMBackend().name().toLowerCase(Locale.ROOT), nanos, t.bytesRead(), t.bytesWritten());
    }

    /** Bytes of the declared transfers of this execution, when TornadoVM's profiler is off. */
    private long declared(TaskGraph g, TaskGraph.Direction direction) {
        return g.transfers().stream()
                .filter(t -> t.direction() == direction)
                .filter(t -> t.mode() == DataTransferMode.EVERY_EXECUTION
                        || (t.mode() == DataTransferMode.FIRST_EXECUTION && executions == 0))
                .mapToLong(t -> ArraySizes.bytes(t.array()))
                .sum();
    }

    /** A 1-D worker grid for every task with a configured work-group size. */
    private java.util.Optional<GridScheduler> grids() {
        GridScheduler grids = new GridScheduler();
        boolean any = false;
        for (Translation.Graph g : translated) {
            for (int j = 0; j < g.taskIds().size(); j++) {
                Task task = g.squall().tasks().get(j);
                OptionalInt local = settings.localWork(task.name());
                if (local.isPresent()) {
                    int size = local.getAsInt();
                    WorkerGrid1D grid = new WorkerGrid1D((task.rows() + size - 1) / size * size);
                    grid.setLocalWork(size, 1, 1);
                    grids.addWorkerGrid(g.id() + "." + g.taskIds().get(j), grid);
                    any = true;
                }
            }
        }
        return any ? java.util.Optional.of(grids) : java.util.Optional.empty();
    }

    /**
     * The failure of graph {@code i} pinned on a task: each task is compiled alone, in a throw-away plan
     * over the same arrays, until one fails; that one is reported.
     */
    private RuntimeException diagnose(int i, Throwable failure) {
        TaskGraph g = graphs.get(i);
        for (Task task : g.tasks()) {
            var single = new uk.ac.manchester.tornado.api.TaskGraph("diagnose_" + translated.get(i).id());
            Object[] inputs = task.inputs().toArray();
            if (inputs.length > 0) {
                single.transferToDevice(uk.ac.manchester.tornado.api.enums.DataTransferMode.EVERY_EXECUTION, inputs);
            }
            try {
                guard.run(task.name(), () -> KernelTasks.add(single, "t", task));
                single.transferToHost(uk.ac.manchester.tornado.api.enums.DataTransferMode.EVERY_EXECUTION,
                        task.outputs().toArray());
                try (TornadoExecutionPlan alone = new TornadoExecutionPlan(single.snapshot())) {
                    alone.withDevice(device).withPreCompilation();
                }
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                return new KernelBailoutException(g.name(), task.name(), task.method().label(),
                        "TornadoVM could not compile the kernel", e);
            }
        }
        return new IllegalStateException("graph '" + g.name() + "' failed on TornadoVM, though each of its tasks"
                + " compiles on its own: " + failure, failure);
    }

    /** Frees the plan's device memory; executing it afterwards throws. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.accept(this);
            try {
                plan.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not free TornadoVM plan: " + e, e);
            }
        }
    }
}
