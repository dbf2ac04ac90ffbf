package dev.squall.engine.graph;

import java.util.List;

/**
 * One task of a graph: a kernel, its arguments (arrays and boxed scalars, in the kernel's parameter
 * order) and the number of parallel rows it runs over.
 *
 * @param name   unique within its graph
 * @param rows   the parallel range {@code [0, rows)} split through {@code (rowOffset, rowCount)}
 * @param kernel the bound kernel
 * @param method the resolved kernel method
 * @param args   the arguments before {@code (rowOffset, rowCount)}
 */
public record Task(String name, int rows, Kernel kernel, KernelMethod method, List<Object> args) {

    /** Runs the kernel on rows {@code [rowOffset, rowOffset + rowCount)} with this task's arguments. */
    public void run(Kernel implementation, int rowOffset, int rowCount) {
        Invoker.invoke(implementation, args.toArray(), rowOffset, rowCount);
    }

    /** The array arguments the kernel reads (those not marked as outputs). */
    public List<Object> inputs() {
        return arrays(false);
    }

    /** The array arguments the kernel writes. */
    public List<Object> outputs() {
        return arrays(true);
    }

    /** Bytes of all input arrays. */
    public long bytesRead() {
        return inputs().stream().mapToLong(ArraySizes::bytes).sum();
    }

    /** Bytes of all output arrays. */
    public long bytesWritten() {
        return outputs().stream().mapToLong(ArraySizes::bytes).sum();
    }

    private List<Object> arrays(boolean output) {
        List<KernelMethod.Param> params = method.parameters();
        return java.util.stream.IntStream.range(0, args.size())
                .filter(i -> args.get(i).getClass().isArray() && params.get(i).output() == output)
                .mapToObj(args::get)
                .toList();
    }
}
