package dev.squall.engine.graph;

import java.util.List;
import java.util.Locale;

/**
 * What one execution of a plan cost: per task its wall time, implementation and the bytes of the arrays
 * it reads and writes; per graph its total time and the bytes a device backend transfers (on the JVM
 * backend transfers cost nothing, but the bytes are still counted so plans can be compared), and a
 * device backend's own timers ({@link DeviceTimers}).
 *
 * @param backend the backend's name
 * @param graphs  one entry per graph, in execution order
 */
public record Profile(String backend, List<GraphProfile> graphs) {

    /**
     * @param graph         graph name
     * @param nanos         wall time of the whole graph
     * @param bytesToDevice bytes transferred to the device in this execution
     * @param bytesToHost   bytes transferred back to the host in this execution
     * @param tasks         per-task figures, in execution order
     * @param device        the device backend's own timers, {@link DeviceTimers#NONE} without them
     */
    public record GraphProfile(String graph, long nanos, long bytesToDevice, long bytesToHost, List<TaskProfile> tasks,
                               DeviceTimers device) {
        /** A graph without device timers (the JVM backend). */
        public GraphProfile(String graph, long nanos, long bytesToDevice, long bytesToHost, List<TaskProfile> tasks) {
            this(graph, nanos, bytesToDevice, bytesToHost, tasks, DeviceTimers.NONE);
        }
    }

    /**
     * Timers a device backend measures itself for one graph execution (TornadoVM's profiler), all zero
     * when the backend has none.
     *
     * @param compileNanos JIT compilation (bytecode to kernel, then the driver's build); zero once compiled
     * @param kernelNanos  kernels running on the device
     * @param copyInNanos  host-to-device copies
     * @param copyOutNanos device-to-host copies
     */
    public record DeviceTimers(long compileNanos, long kernelNanos, long copyInNanos, long copyOutNanos) {
        /** No device timers. */
        public static final DeviceTimers NONE = new DeviceTimers(0, 0, 0, 0);

        /** The element-wise sum of two sets of timers. */
        public DeviceTimers plus(DeviceTimers o) {
            return new DeviceTimers(compileNanos + o.compileNanos, kernelNanos + o.kernelNanos,
                    copyInNanos + o.copyInNanos, copyOutNanos + o.copyOutNanos);
        }
    }

    /**
     * @param task           task name
     * @param kernel         kernel label, e.g. {@code Norms.layerNorm}
     * @param implementation which implementation ran, e.g. {@code plain} or {@code vector}
     * @param nanos          wall time
     * @param bytesRead      bytes of the arrays it reads
     * @param bytesWritten   bytes of the arrays it writes
     */
    public record TaskProfile(String task, String kernel, String implementation, long nanos, long bytesRead,
                              long bytesWritten) {
    }

    /** Wall time of all graphs. */
    public long nanos() {
        return graphs.stream().mapToLong(GraphProfile::nanos).sum();
    }

    /** Bytes moved between host and device, both ways, in this execution. */
    public long bytesTransferred() {
        return graphs.stream().mapToLong(g -> g.bytesToDevice() + g.bytesToHost()).sum();
    }

    /** Device timers summed over all graphs ({@link DeviceTimers#NONE} on the JVM backend). */
    public DeviceTimers deviceTimers() {
        return graphs.stream().map(GraphProfile::device).reduce(DeviceTimers.NONE, DeviceTimers::plus);
    }

    /** A fixed-width table: one line per task, then one total line per graph. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-14s %-28s %-34s %-8s %10s %12s %12s%n",
                "graph", "task", "kernel", "impl", "ms", "read B", "written B"));
        for (GraphProfile g : graphs) {
            for (TaskProfile t : g.tasks()) {
                sb.append(String.format(Locale.ROOT, "%-14s %-28s %-34s %-8s %10.3f %12d %12d%n", g.graph(), t.task(),
                        t.kernel(), t.implementation(), t.nanos() / 1e6, t.bytesRead(), t.bytesWritten()));
            }
            sb.append(String.format(Locale.ROOT, "%-14s %-28s %-34s %-8s %10.3f   to device %d B, to host %d B%n",
                    g.graph(), "(total)", "", backend, g.nanos() / 1e6, g.bytesToDevice(), g.bytesToHost()));
            DeviceTimers d = g.device();
            if (!d.equals(DeviceTimers.NONE)) {
                sb.append(String.format(Locale.ROOT, "%-14s %-28s compile %.3f ms, kernels %.3f ms, copy in %.3f ms, copy out %.3f ms%n",
                        g.graph(), "(device timers)", d.compileNanos() / 1e6, d.kernelNanos() / 1e6,
                        d.copyInNanos() / 1e6, d.copyOutNanos() / 1e6));
            }
        }
        return sb.toString();
    }
}
