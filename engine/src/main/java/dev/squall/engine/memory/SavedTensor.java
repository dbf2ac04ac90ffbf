package dev.squall.engine.memory;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.quant.ActivationCodes;

/**
 * One activation a training step saves in its forward graph for its backward graph, stored as its
 * {@link ActivationCodec} says. With {@link ActivationCodec#NONE} the saved tensor is the forward array itself
 * (no task, no copy); otherwise {@link #save} adds a pack task to the forward graph, writing this object's code
 * and group arrays, and {@link #restore} an unpack task to the backward graph, writing a float buffer the backward
 * kernels then read. Between the two only the codes are live, which {@code GraphMemory} sees: the fp32 array can
 * be reused as soon as the pack task has run.
 *
 * <p>The forward graph persists the codes on the device and the backward graph consumes them, so both must be
 * graphs of one plan (as a training step's are). The caller brings {@code x} to the device (a task writing it, or
 * a transfer) as for any task.
 *
 * <p>The random bits of stochastic rounding come from {@link #seed()}, an array the pack task reads at run time:
 * set it once per step ({@link #reseed}) and the same compiled graph rounds differently every step, and the same
 * (run seed, step) always the same way.
 */
public final class SavedTensor {
    private final String tensor;
    private final ActivationCodec codec;
    private final int rows;
    private final int cols;
    private final int stream;
    private final int groupSize;
    private final byte[] codes;
    private final float[] scales;
    private final float[] mins;
    private final int[] seed = new int[1];
    private float[] kept;

    SavedTensor(String tensor, ActivationCodec codec, int rows, int cols, int stream) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("saved tensor " + tensor + ": shape " + rows + " x " + cols);
        }
        this.tensor = tensor;
        this.codec = codec;
        this.rows = rows;
        this.cols = cols;
        this.stream = stream;
        this.groupSize = codec.compresses() ? codec.groupFor(cols) : 0;
        if (codec.compresses()) {
            int groups = ActivationCodes.groups(cols, groupSize);
            codes = new byte[Math.multiplyExact(rows, ActivationCodes.rowBytes(cols, codec.bits()))];
            scales = new float[Math.multiplyExact(rows, groups)];
            mins = new float[rows * groups];
        } else {
            codes = null;
            scales = null;
            mins = null;
        }
    }

    /** Its name, e.g. {@code h.3.mlp.c_fc.in}. */
    public String tensor() {
        return tensor;
    }

    /** How it is stored. */
    public ActivationCodec codec() {
        return codec;
    }

    /** Rows. */
    public int rows() {
        return rows;
    }

    /** Columns. */
    public int cols() {
        return cols;
    }

    /** The seed array its pack task reads. */
    public int[] seed() {
        return seed;
    }

    /** Sets {@link #seed()} for training step {@code step} of a run seeded with {@code runSeed}. */
    public void reseed(long runSeed, long step) {
        seed[0] = ActivationCodes.mix(ActivationCodes.mix((int) runSeed ^ (int) (runSeed >>> 32) ^ stream)
                + (int) step * 0x9e3779b9 + (int) (step >>> 32));
    }

    /**
     * Adds the task that saves {@code x} ({@code rows × cols}) to {@code forward} (nothing for {@code none},
     * which keeps {@code x} itself); returns {@code forward}.
     */
    public TaskGraph save(TaskGraph forward, float[] x) {
        checkShape(x);
        kept = x;
        if (codec.compresses()) {
            forward.transferToDevice(DataTransferMode.EVERY_EXECUTION, seed)
                    .task("save:" + tensor, rows, ActivationCodes::pack, x, codes, scales, mins, seed, cols, groupSize,
                            codec.bits())
                    .persistOnDevice(codes, scales, mins);
        }
        return forward;
    }

    /**
     * Adds the task that restores the tensor into {@code into} to {@code backward} and returns the array the
     * backward kernels read: {@code into} when compressed, the saved forward array for {@code none} (no task).
     */
    public float[] restore(TaskGraph backward, float[] into) {
        if (!codec.compresses()) {
            if (kept == null) {
                throw new IllegalStateException("saved tensor " + tensor + ": restore before save");
            }
            return kept;
        }
        checkShape(into);
        backward.consumeFromDevice(codes, scales, mins).task("restore:" + tensor, rows, ActivationCodes::unpack, codes, scales, mins, into, cols, groupSize,
                codec.bits());
        return into;
    }

    /** Packs {@code x} now, on this thread (no graph): for tests and host-side use. */
    public void pack(float[] x) {
        checkShape(x);
        kept = x;
        if (codec.compresses()) {
            ActivationCodes.pack(x, codes, scales, mins, seed, cols, groupSize, codec.bits(), 0, rows);
        }
    }

    /** Unpacks into {@code into} now, on this thread; for {@code none} copies the saved array. */
    public float[] unpack(float[] into) {
        checkShape(into);
        if (codec.compresses()) {
            ActivationCodes.unpack(codes, scales, mins, into, cols, groupSize, codec.bits(), 0, rows);
        } else {
            System.arraycopy(kept, 0, into, 0, into.length);
        }
        return into;
    }

    /** The arrays of the saved form (codes, scales, minimums; none for {@code none}), e.g. to label them. */
    public Object[] arrays() {
        return codec.compresses() ? new Object[] {codes, scales, mins} : new Object[0];
    }

    /** Bytes the saved form takes: codes and group parameters, or the fp32 array. */
    public long bytes() {
        return codec.bytes(rows, cols);
    }

    /** Bytes the tensor takes in fp32. */
    public long fp32Bytes() {
        return 4L * rows * cols;
    }

    /** Bytes saved against fp32. */
    public long bytesSaved() {
        return fp32Bytes() - bytes();
    }

    /** {@code fp32Bytes / bytes}. */
    public double ratio() {
        return (double) fp32Bytes() / bytes();
    }

    private void checkShape(float[] x) {
        if (x == null || x.length != rows * cols) {
            throw new IllegalArgumentException("saved tensor " + tensor + ": expected " + rows + " x " + cols
                    + " floats, got " + (x == null ? "null" : x.length));
        }
    }

    @Override
    public String toString() {
        return tensor + " " + rows + "x" + cols + " " + codec + " (" + bytes() + " bytes)";
    }
}
