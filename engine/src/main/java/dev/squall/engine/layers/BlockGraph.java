package dev.squall.engine.layers;

import dev.squall.engine.graph.GraphMemory;
import dev.squall.engine.graph.TaskGraph;

import java.util.List;

/**
 * A block built for one input shape: the graph, the input array to fill before each execution and the
 * output array it writes.
 *
 * @param graph  the task graph
 * @param input  {@code [batch·n, d]} input, transferred on every execution
 * @param output {@code [batch·n, d]} output, transferred back on every execution
 */
public record BlockGraph(TaskGraph graph, float[] input, float[] output) {

    /** Memory of the graph's arrays. */
    public GraphMemory memory() {
        return GraphMemory.of(List.of(graph));
    }
}
