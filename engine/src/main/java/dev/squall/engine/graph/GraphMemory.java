package dev.squall.engine.graph;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
    /** The label of unlabelled arrays transferred {@code FIRST_EXECUTION}. */
    public static final String WEIGHTS = "weights";
    /** The label of every other unlabelled array. */
    public static final String WORKSPACE = "workspace";

    /**
     * The peak of a plan's memory split by the arrays' labels ({@link TaskGraph#label}).
     *
     * @param peakBytes bytes of every array live at the peak: weights (live throughout) and activations
     * @param peakTask  the task (counted over all graphs in order) where the peak is reached
     * @param atPeak    the bytes live at the peak, by label (sorted by label)
     * @param total     the bytes of all distinct arrays, by label (sorted by label)
     */
    public record Breakdown(long peakBytes, int peakTask, Map<String, Long> atPeak, Map<String, Long> total) {
        /** Bytes at the peak of the labels that start with {@code prefix} ({@code "saved/"}, or a whole label). */
        public long atPeak(String prefix) {
            return atPeak.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(Map.Entry::getValue)
                    .sum();
        }
    }

    /** Measures the arrays of {@code graphs}, run in that order. */
    public static GraphMemory of(List<TaskGraph> graphs) {
        Lifetimes l = Lifetimes.of(graphs);
        long weightBytes = l.weights.stream().mapToLong(ArraySizes::bytes).sum();
        long total = l.live.keySet().stream().mapToLong(ArraySizes::bytes).sum();
        long peak = java.util.Arrays.stream(l.perStep()).max().orElse(0);
        return new GraphMemory(weightBytes, total, peak);
    }

    /**
     * The peak of weights and live activations of {@code graphs} together, split by label: an array labelled in
     * any graph carries its label ({@link TaskGraph#label}; the last graph's wins), an unlabelled one is
     * {@link #WEIGHTS} when transferred {@code FIRST_EXECUTION}, else {@link #WORKSPACE}.
     */
    public static Breakdown breakdown(List<TaskGraph> graphs) {
        return breakdown(graphs, Set.of());
    }

    /**
     * {@link #breakdown(List)} with the arrays {@code resident} live throughout, as weights are, whatever their
     * transfers: state that outlives one execution of the graphs, such as a trainer's parameters, gradients and
     * optimizer moments, which its graphs bring from the host on every execution.
     */
    public static Breakdown breakdown(List<TaskGraph> graphs, Set<Object> resident) {
        Lifetimes l = Lifetimes.of(graphs);
        l.live.keySet().removeAll(resident);
        l.weights.addAll(resident);
        Map<Object, String> labels = new IdentityHashMap<>();
        graphs.forEach(g -> labels.putAll(g.labels()));
        Map<String, Long> persistent = new TreeMap<>();
        Map<String, Long> total = new TreeMap<>();
        for (Object w : l.weights) {
            String label = labels.getOrDefault(w, WEIGHTS);
            persistent.merge(label, ArraySizes.bytes(w), Long::sum);
            total.merge(label, ArraySizes.bytes(w), Long::sum);
        }
        for (Object a : l.live.keySet()) {
            total.merge(labels.getOrDefault(a, WORKSPACE), ArraySizes.bytes(a), Long::sum);
        }
        long[] perStep = l.perStep();
        int peakStep = 0;
        for (int s = 1; s < perStep.length; s++) {
            if (perStep[s] > perStep[peakStep]) {
                peakStep = s;
            }
        }
        Map<String, Long> atPeak = new TreeMap<>(persistent);
        for (Map.Entry<Object, int[]> e : l.live.entrySet()) {
            if (e.getValue()[0] <= peakStep && peakStep <= e.getValue()[1]) {
                atPeak.merge(labels.getOrDefault(e.getKey(), WORKSPACE), ArraySizes.bytes(e.getKey()), Long::sum);
            }
        }
        long peak = atPeak.values().stream().mapToLong(Long::longValue).sum();
        return new Breakdown(peak, peakStep, new LinkedHashMap<>(atPeak), new LinkedHashMap<>(total));
    }

    /** The weights, and the first and last step of every other array, steps being tasks over all graphs in order. */
    private record Lifetimes(Set<Object> weights, Map<Object, int[]> live, int steps) {
        static Lifetimes of(List<TaskGraph> graphs) {
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
            live.keySet().removeAll(weights);
            return new Lifetimes(weights, live, Math.max(step, 1));
        }

        /** Bytes of the live (non-weight) arrays at each step. */
        long[] perStep() {
            long[] perStep = new long[steps];
            for (Map.Entry<Object, int[]> e : live.entrySet()) {
                long bytes = ArraySizes.bytes(e.getKey());
                for (int s = e.getValue()[0]; s <= e.getValue()[1]; s++) {
                    perStep[s] += bytes;
                }
            }
            return perStep;
        }

        private static void touch(Map<Object, int[]> live, Object array, int step) {
            int[] range = live.computeIfAbsent(array, a -> new int[]{step, step});
            range[0] = Math.min(range[0], step);
            range[1] = Math.max(range[1], step);
        }
    }
}
