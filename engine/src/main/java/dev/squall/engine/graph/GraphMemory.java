package dev.squall.engine.graph;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Memory a plan's arrays take, from the graphs alone.
 *
 * <p>Weights are the arrays transferred {@code FIRST_EXECUTION}. Every other array is an activation: it
 * is live from the first task that touches it (or the start of the graph that transfers it in) to the
 * last task that touches it (or the end of the graph that transfers it out). The peak working set is the
 * largest total of live activation bytes at any task, the memory an allocator that reuses dead buffers
 * would need beside the weights.
 *
 * @param weightBytes     bytes of weight arrays
 * @param activationBytes bytes of all distinct activation arrays the graphs hold
 * @param peakLiveBytes   peak working set of activations
 */
public record GraphMemory(long weightBytes, long activationBytes, long peakLiveBytes) {

    /** Measures the arrays of {@code graphs}, run in that order. */
    public static GraphMemory of(List<TaskGraph> graphs) {
        Set<Object> weights = TaskGraph.identitySet();
        Map<Object, int[]> live = new IdentityHashMap<>(); // array -> {first step, last step}
        int step = 0;
        for (TaskGraph g : graphs) {
            int first = step;
            int last = step + Math.max(g.tasks().size(), 1) - 1;
            for (TaskGraph.Transfer t : g.transfers()) {
                if (t.mode() == DataTransferMode.FIRST_EXECUTION) {
                    weights.add(t.array());
                } else {
                    touch(live, t.array(), t.direction() == TaskGraph.Direction.TO_DEVICE ? first : last);
                }
            }
            for (Task task : g.tasks()) {
                for (Object arg : task.args()) {
                    if (arg.getClass().isArray()) {
                        touch(live, arg, step);
                    }
                }
                step++;
            }
            step = Math.max(step, last + 1);
        }
        long weightBytes = weights.stream().mapToLong(ArraySizes::bytes).sum();
        live.keySet().removeAll(weights);
        long[] perStep = new long[Math.max(step, 1)];
        long total = 0;
        for (Map.Entry<Object, int[]> e : live.entrySet()) {
            long bytes = ArraySizes.bytes(e.getKey());
            total += bytes;
            for (int s = e.getValue()[0]; s <= e.getValue()[1]; s++) {
                perStep[s] += bytes;
            }
        }
        long peak = java.util.Arrays.stream(perStep).max().orElse(0);
        return new GraphMemory(weightBytes, total, peak);
    }

    private static void touch(Map<Object, int[]> live, Object array, int step) {
        int[] range = live.computeIfAbsent(array, a -> new int[]{step, step});
        range[0] = Math.min(range[0], step);
        range[1] = Math.max(range[1], step);
    }
}
