package dev.squall.tornado;

/**
 * A kernel TornadoVM cannot run on the device: it bailed out while analysing or compiling it, did not
 * finish analysing it in time, or ran it as Java on the host. Names the graph, the task and the kernel.
 */
public final class KernelBailoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String graph;
    private final String task;
    private final String kernel;

    KernelBailoutException(String graph, String task, String kernel, String what, Throwable cause) {
        super("graph '" + graph + "' task '" + task + "' (" + kernel + "): " + what
                + (cause == null ? "" : ": " + describe(cause)), cause);
        this.graph = graph;
        this.task = task;
        this.kernel = kernel;
    }

    /** The Squall graph holding the task. */
    public String graph() {
        return graph;
    }

    /** The Squall task. */
    public String task() {
        return task;
    }

    /** The kernel, e.g. {@code Norms.rmsNorm}. */
    public String kernel() {
        return kernel;
    }

    /** The first line of the cause (TornadoVM colours and wraps its messages), with its type. */
    private static String describe(Throwable t) {
        String message = String.valueOf(t.getMessage()).replaceAll("\u001B\\[[0-9;]*m", "").strip();
        int newline = message.indexOf('\n');
        return t.getClass().getSimpleName() + ": " + (newline < 0 ? message : message.substring(0, newline));
    }
}
