package dev.squall.engine.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Pipeline schedules, as the explicit sequence of operations each stage runs in one step. */
public enum Schedule {
    /** GPipe: all M forwards, then all M backwards; a stage holds M micro-batches' saved activations. */
    GPIPE("gpipe"),
    /**
     * 1F1B (PipeDream-flush): stage s of P runs min(P − s − 1, M) warm-up forwards, then alternates one forward
     * and one backward, then drains the remaining backwards; a stage holds at most P − s micro-batches.
     */
    ONE_F_ONE_B("1f1b");

    private final String flag;

    Schedule(String flag) {
        this.flag = flag;
    }

    /** The command-line name: {@code gpipe} or {@code 1f1b}. */
    public String flag() {
        return flag;
    }

    /** The schedule named {@code name} ({@code gpipe} or {@code 1f1b}, any case). */
    public static Schedule parse(String name) {
        for (Schedule s : values()) {
            if (s.flag.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("--schedule: expected gpipe or 1f1b, got '" + name + "'");
    }

    /** The operations stage {@code stage} of {@code stages} runs in a step of {@code microBatches}. */
    public List<StageOp> ops(int stage, int stages, int microBatches) {
        if (stages < 1 || stage < 0 || stage >= stages) {
            throw new IllegalArgumentException("stage " + stage + " of " + stages + ": needs 0 <= stage < stages");
        }
        if (microBatches < 1) {
            throw new IllegalArgumentException("--micro-batches: must be at least 1, got " + microBatches);
        }
        List<StageOp> ops = new ArrayList<>(2 * microBatches);
        int warmup = this == GPIPE ? microBatches : Math.min(stages - stage - 1, microBatches);
        int forwards = 0;
        int backwards = 0;
        while (forwards < warmup) {
            ops.add(StageOp.forward(forwards++));
        }
        while (forwards < microBatches) {
            ops.add(StageOp.forward(forwards++));
            ops.add(StageOp.backward(backwards++));
        }
        while (backwards < microBatches) {
            ops.add(StageOp.backward(backwards++));
        }
        return List.copyOf(ops);
    }

    /** The most micro-batches whose forward has run and backward not yet, over {@code ops}. */
    public static int peakInFlight(List<StageOp> ops) {
        int inFlight = 0;
        int peak = 0;
        for (StageOp op : ops) {
            inFlight += op.kind() == StageOp.Kind.FORWARD ? 1 : -1;
            peak = Math.max(peak, inFlight);
        }
        return peak;
    }

    /** The idle fraction of a balanced pipeline in theory: (P − 1) / (M + P − 1). */
    public static double theoreticalBubble(int stages, int microBatches) {
        return (stages - 1) / (double) (microBatches + stages - 1);
    }
}
