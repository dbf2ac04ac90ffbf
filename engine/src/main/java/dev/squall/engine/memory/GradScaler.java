package dev.squall.engine.memory;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.optim.GradClip;
import dev.squall.tasks.precision.MixedPrecision;

import java.util.List;

/**
 * Dynamic loss scaling with the semantics of PyTorch's {@code torch.amp.GradScaler} (its
 * {@code _amp_update_scale_}): the loss gradient is multiplied by the scale before backward
 * ({@link #scaleFactor()} for {@link MixedPrecision#scale}), the parameter gradients by its inverse after
 * ({@link #addUnscale}), which also flags inf/NaN. Then {@link #update}: on inf/NaN the optimizer step is skipped,
 * the scale multiplied by the backoff factor (0.5) and the count of good steps reset; otherwise the count grows,
 * and when it reaches the growth interval (2000) the scale is multiplied by the growth factor (2, unless that
 * overflows) and the count restarts. Initial scale 65536. A disabled scaler (bf16, fp32) has scale 1 and never
 * skips, as PyTorch's {@code enabled=False}.
 *
 * <p>All scales are powers of two (for the default factors), so scaling and unscaling are exact. The factors
 * live in one-element arrays the graph's tasks read at run time, so one compiled graph serves every scale.
 */
public final class GradScaler {
    /** PyTorch's {@code init_scale}. */
    public static final float INIT_SCALE = 65536f;
    /** PyTorch's {@code growth_factor}. */
    public static final float GROWTH_FACTOR = 2f;
    /** PyTorch's {@code backoff_factor}. */
    public static final float BACKOFF_FACTOR = 0.5f;
    /** PyTorch's {@code growth_interval}. */
    public static final int GROWTH_INTERVAL = 2000;

    /**
     * The state a checkpoint keeps.
     *
     * @param scale          the current scale
     * @param growthTracker  consecutive steps without inf/NaN since the last change of scale
     * @param skippedSteps   steps skipped so far (for the log)
     */
    public record State(float scale, int growthTracker, long skippedSteps) {
        /** As a float array for a checkpoint archive: {@code {scale, growthTracker, skippedSteps}}. */
        public float[] toArray() {
            return new float[] {scale, growthTracker, skippedSteps};
        }

        /** From {@link #toArray}; a wrong length or a non-positive scale is an error naming {@code what}. */
        public static State fromArray(String what, float[] a) {
            if (a == null || a.length != 3 || !(a[0] > 0f) || !Float.isFinite(a[0]) || a[1] < 0 || a[2] < 0) {
                throw new IllegalArgumentException(what + ": expected {scale > 0, growth tracker >= 0, skipped >= 0}");
            }
            return new State(a[0], (int) a[1], (long) a[2]);
        }
    }

    private final boolean enabled;
    private final float growthFactor;
    private final float backoffFactor;
    private final int growthInterval;
    private final float[] scaleFactor = new float[1];
    private final float[] inverseFactor = new float[1];
    private final int[] found = new int[1];
    private int growthTracker;
    private long skippedSteps;

    /** PyTorch's defaults. */
    public GradScaler() {
        this(INIT_SCALE, GROWTH_FACTOR, BACKOFF_FACTOR, GROWTH_INTERVAL, true);
    }

    /** A scaler with the given parameters (as PyTorch's constructor). */
    public GradScaler(float initScale, float growthFactor, float backoffFactor, int growthInterval) {
        this(initScale, growthFactor, backoffFactor, growthInterval, true);
    }

    private GradScaler(float initScale, float growthFactor, float backoffFactor, int growthInterval, boolean enabled) {
        if (!(initScale > 0f) || !(growthFactor > 1f) || !(backoffFactor > 0f && backoffFactor < 1f)
                || growthInterval < 1) {
            throw new IllegalArgumentException("GradScaler: need scale > 0, growth > 1, 0 < backoff < 1, interval >= 1");
        }
        this.enabled = enabled;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
        setScale(initScale);
    }

    /** A scaler that does nothing: scale 1, every step applied. */
    public static GradScaler disabled() {
        return new GradScaler(1f, GROWTH_FACTOR, BACKOFF_FACTOR, GROWTH_INTERVAL, false);
    }

    /** Whether it scales. */
    public boolean enabled() {
        return enabled;
    }

    /** The current scale. */
    public float scale() {
        return scaleFactor[0];
    }

    /** {@code {scale}}, read by the task that scales the loss gradient. */
    public float[] scaleFactor() {
        return scaleFactor;
    }

    /** {@code {1/scale}}, read by the unscale tasks. */
    public float[] inverseFactor() {
        return inverseFactor;
    }

    /** {@code {1}} when the last {@link #addUnscale} tasks found an inf or NaN, else {@code {0}}. */
    public int[] found() {
        return found;
    }

    /** Consecutive good steps since the scale last changed. */
    public int growthTracker() {
        return growthTracker;
    }

    /** Steps skipped so far. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /**
     * Adds to {@code g} the tasks that multiply every gradient by {@code 1/scale} and flag inf/NaN among them
     * (chunks of {@code chunk} elements, one flag each, then their reduction into {@link #found()}); with a
     * disabled scaler, only the check. Transfers {@code 1/scale} in and the flag out on every execution; the
     * gradients must be on the device (written by earlier tasks) as usual. Returns {@code g}.
     */
    public TaskGraph addUnscale(TaskGraph g, String name, List<float[]> grads, int chunk) {
        int slots = 0;
        for (float[] grad : grads) {
            slots += GradClip.chunks(grad.length, chunk);
        }
        int[] flags = new int[slots];
        if (enabled) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, inverseFactor);
        }
        int first = 0;
        for (int t = 0; t < grads.size(); t++) {
            float[] grad = grads.get(t);
            int rows = GradClip.chunks(grad.length, chunk);
            if (enabled) {
                g.task(name + ".unscale." + t, rows, MixedPrecision::scale, grad, inverseFactor, grad.length, chunk);
            }
            g.task(name + ".check." + t, rows, MixedPrecision::nonFiniteChunks, grad, flags, grad.length, chunk, first);
            first += rows;
        }
        return g.task(name + ".found", 1, MixedPrecision::anyFlag, flags, found, slots)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, found);
    }

    /** {@link #update} with the flag the unscale tasks wrote into {@link #found()}. */
    public boolean update() {
        return update(found[0] != 0);
    }

    /**
     * Ends a step: returns whether its optimizer update is to be applied ({@code false} when
     * {@code foundInf}), and moves the scale as the class describes. A disabled scaler always returns true.
     */
    public boolean update(boolean foundInf) {
        if (!enabled) {
            return true;
        }
        if (foundInf) {
            setScale(scale() * backoffFactor);
            growthTracker = 0;
            skippedSteps++;
            return false;
        }
        growthTracker++;
        if (growthTracker == growthInterval) {
            float grown = scale() * growthFactor;
            if (Float.isFinite(grown)) {
                setScale(grown);
            }
            growthTracker = 0;
        }
        return true;
    }

    /** Its state, for a checkpoint. */
    public State state() {
        return new State(scale(), growthTracker, skippedSteps);
    }

    /** Continues from a checkpoint's state. */
    public void load(State state) {
        if (enabled) {
            setScale(state.scale());
        }
        growthTracker = state.growthTracker();
        skippedSteps = state.skippedSteps();
    }

    private void setScale(float s) {
        scaleFactor[0] = s;
        inverseFactor[0] = (float) (1.0 / s);
    }
}
