package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.testing.RandomArrays;

import java.util.List;
import java.util.function.Function;

/**
 * One kernel test for TornadoVM: a graph of tasks over inputs drawn from a {@link RandomArrays}, and the
 * outputs to compare. The suite builds it twice from the same seed, runs one copy on the JVM backend and
 * the other, with its outputs poisoned, on TornadoVM, and compares the outputs. The graph holds tasks
 * only: the suite brings every array no task writes to the device and the outputs back.
 *
 * @param name  what it runs, e.g. {@code Gemm.tiledMatmul +bias SILU M=17 N=33 K=67 tiles 4x8x16}
 * @param build draws inputs and builds the graph
 */
record KernelCase(String name, Function<RandomArrays, Built> build) {

    /**
     * A built case.
     *
     * @param graph   its tasks
     * @param outputs the arrays to compare
     */
    record Built(TaskGraph graph, List<Output> outputs) {
    }

    /**
     * An output compared element by element, with an error bound relative to the largest magnitude of its
     * row in the JVM result (the fp32 bound of the kernel tests, {@code 1e-5}).
     *
     * @param name   for messages
     * @param values the array a task writes
     * @param cols   row length
     */
    record Output(String name, float[] values, int cols) {
    }

    @Override
    public String toString() {
        return name;
    }
}
