package dev.squall.tornado;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.DataFlow;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.engine.layers.GemmTilesPreference;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs Squall task graphs on TornadoVM, which JIT-compiles the kernels to OpenCL, PTX or SPIR-V for the
 * device the settings select. Each {@link #plan} becomes one {@code TornadoExecutionPlan} (see
 * {@link TornadoPlan}); kernels TornadoVM cannot compile fail there with a {@link KernelBailoutException}.
 * Needs a JVM started with TornadoVM's and Squall's argfiles ({@link TornadoEnvironment}).
 *
 * <p>TornadoVM bakes scalar arguments into the kernels it generates, so a plan is compiled for the shapes
 * and constants of its graphs; a graph built for another shape is a new plan and compiles again.
 */
public final class TornadoBackend implements Backend, GemmTilesPreference {
    private static final AtomicInteger PLANS = new AtomicInteger();

    private final TornadoSettings settings;
    private final TornadoDevice device;
    private final SketchGuard guard;
    private final List<TornadoPlan> plans = new ArrayList<>();

    /** A backend with {@code settings}; throws {@link IllegalStateException} outside a TornadoVM JVM. */
    public TornadoBackend(TornadoSettings settings) {
        TornadoEnvironment.problem().ifPresent(p -> {
            throw new IllegalStateException("TornadoVM backend not available: " + p);
        });
        this.settings = settings;
        this.device = TornadoDevices.select(settings);
        this.guard = new SketchGuard(settings.sketchTimeout());
    }

    /** The device that runs the plans. */
    public TornadoDevice device() {
        return device;
    }

    /** The settings in use. */
    public TornadoSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return TornadoBackendProvider.NAME;
    }

    @Override
    public String description() {
        return "tornado (" + device.getPhysicalDevice().getDeviceName() + ", " + device.getTornadoVMBackend() + " "
                + settings.backendIndex() + ":" + settings.deviceIndex() + ", " + TornadoDevices.deviceClass(device) + ")";
    }

    /** The settings' GEMM tiles for this device's class. */
    @Override
    public GemmTiles gemmTiles() {
        return settings.tilesFor(TornadoDevices.deviceClass(device));
    }

    @Override
    public TornadoPlan plan(List<TaskGraph> graphs) {
        DataFlow.check(graphs);
        synchronized (plans) {
            TornadoPlan plan = new TornadoPlan(name(), List.copyOf(graphs), "p" + PLANS.incrementAndGet() + "g",
                    settings, device, guard, this::forget);
            plans.add(plan);
            return plan;
        }
    }

    @Override
    public TornadoPlan plan(TaskGraph... graphs) {
        return plan(List.of(graphs));
    }

    /** Frees the device memory of every plan made by this backend and not closed yet. */
    @Override
    public void close() {
        List<TornadoPlan> open;
        synchronized (plans) {
            open = List.copyOf(plans);
        }
        open.forEach(TornadoPlan::close);
        guard.close();
    }

    private void forget(TornadoPlan plan) {
        synchronized (plans) {
            plans.remove(plan);
        }
    }
}
