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

    /** How an output is compared with the JVM backend's. */
    enum Check {
        /**
         * Floats within the fp32 bound of the kernel tests, {@code 1e-5} relative to the largest magnitude of
         * the element's row in the JVM result; infinities must match, NaN never passes.
         */
        FP32_ROWS,
        /**
         * Bit for bit (floats by their raw bits): integer results (quantised codes, fp16/bf16 bits, indices,
         * cluster assignments) and conversions that the default build's tests also check exactly.
         */
        EXACT
    }

    /**
     * An output compared element by element.
     *
     * @param name   for messages
     * @param values the array a task writes: {@code float[]}, or for {@link Check#EXACT} also {@code int[]},
     *               {@code short[]} or {@code byte[]}
     * @param cols   row length (for messages, and the row scale of {@link Check#FP32_ROWS})
     * @param check  how it is compared
     */
    record Output(String name, Object values, int cols, Check check) {
        /** Checks that the array can be compared as asked. */
        Output {
            boolean floats = values instanceof float[];
            boolean integers = values instanceof int[] || values instanceof short[] || values instanceof byte[];
            if (cols < 1 || !(floats || check == Check.EXACT && integers)) {
                throw new IllegalArgumentException("output " + name + ": cannot compare "
                        + values.getClass().getSimpleName() + " by " + check + " with rows of " + cols);
            }
        }

        /** A float output within {@link Check#FP32_ROWS}. */
        Output(String name, float[] values, int cols) {
            this(name, values, cols, Check.FP32_ROWS);
        }

        /** An output that must be identical, bit for bit. */
        static Output exact(String name, Object values, int cols) {
            return new Output(name, values, cols, Check.EXACT);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
