package dev.squall.engine.jvm.fast.attention;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The values of one (sequence, head) packed for {@link TileKernels#weighted}, tile by tile as they are first
 * needed and then kept for the thread's other query groups: panels of {@link TileKernels#COLUMNS} columns of the
 * head dimension ({@code [keys][COLUMNS]}, panel {@code g} at {@code g·valueStride()}), spanning the whole
 * sequence, so that any run of values can be weighted with a constant row stride. Value {@code j} of the sequence
 * is that of token {@code first + j·stride} ({@code stride > 1}: one residue class of a dilated window). At most
 * {@code N·d} floats (rounded up to whole panels), per thread. (Keys need no packing: the score kernel reads
 * them in place.)
 */
final class KeyValuePanels {
    /** Values packed at a time. */
    static final int TILE = 128;
    private static final int COL = TileKernels.COLUMNS;
    private static final VectorSpecies<Float> S = TileKernels.S;
    private static final int L = TileKernels.L;

    float[] values = new float[0];
    /** The keys, row by row ({@code d} floats each, key {@code j} at {@code j·d}): contiguous, unlike the tokens'. */
    float[] keys = new float[0];
    private float[] k;
    private int kOff;
    private boolean[] packed = new boolean[0];
    private int valueStride;
    private float[] v;
    private int ld;
    private int vOff;
    private int first;
    private int stride;
    private int[] tokens;
    private int n;
    private int d;

    /** Forgets every packed tile: a new call may bring new values in the same array. */
    void forget() {
        k = null;
        v = null;
    }

    /**
     * Selects the sequence of {@code n} values: value {@code j} at {@code v[(first + j·stride)·ld + vOff ..]},
     * {@code d} floats. Keeps what is packed when it is the sequence already selected.
     */
    void select(float[] k, float[] v, int ld, int kOff, int vOff, int first, int stride, int n, int d) {
        if (k == this.k && v == this.v && ld == this.ld && kOff == this.kOff && vOff == this.vOff
                && first == this.first && stride == this.stride && tokens == null && n == this.n && d == this.d) {
            return;
        }
        tokens = null;
        this.k = k;
        this.kOff = kOff;
        this.v = v;
        this.ld = ld;
        this.vOff = vOff;
        this.first = first;
        this.stride = stride;
        this.n = n;
        this.d = d;
        int tiles = (n + TILE - 1) / TILE;
        int padded = tiles * TILE;
        valueStride = padded * COL;
        int panels = (d + COL - 1) / COL;
        if (keys.length < padded * d) {
            keys = new float[padded * d];
        }
        if (values.length < panels * valueStride) {
            values = new float[panels * valueStride];
        }
        if (packed.length < tiles) {
            packed = new boolean[tiles];
        } else {
            Arrays.fill(packed, 0, tiles, false);
        }
    }

    /**
     * Selects {@code n} gathered keys and values, key {@code j} of token {@code tokens[j]} (as {@link #select}
     * otherwise), and packs them now: a short list (Longformer's global positions), packed for each use.
     */
    void selectGathered(float[] k, float[] v, int ld, int kOff, int vOff, int[] tokens, int n, int d) {
        select(k, v, ld, kOff, vOff, 0, 1, n, d);
        this.tokens = tokens;
        Arrays.fill(packed, false);
        ensure(0, n);
        this.k = null; // never reused: the next select packs again
    }

    /** Floats between two value panels. */
    int valueStride() {
        return valueStride;
    }

    /** Offset in {@link #values} of value {@code j} in the first panel. */
    static int valueOffset(int j) {
        return j * COL;
    }

    /** Packs the tiles holding values {@code [j0, j1)} that are not packed yet. */
    void ensure(int j0, int j1) {
        for (int t = j0 / TILE; t * TILE < Math.min(j1, n); t++) {
            if (!packed[t]) {
                pack(t * TILE, Math.min(n, t * TILE + TILE));
                packed[t] = true;
            }
        }
    }

    private void pack(int j0, int j1) {
        int dv = d - d % L;
        for (int j = j0; j < j1; j++) {
            int token = tokens != null ? tokens[j] : first + j * stride;
            int kRow = token * ld + kOff;
            int vRow = token * ld + vOff;
            // Vector copies: System.arraycopy's call costs more than copying 64 floats (it showed as 17 % of a
            // narrow window's time).
            for (int e = 0; e < dv; e += L) {
                FloatVector.fromArray(S, k, kRow + e).intoArray(keys, j * d + e);
                int g = e / COL;
                FloatVector.fromArray(S, v, vRow + e).intoArray(values, g * valueStride + j * COL + e - g * COL);
            }
            for (int e = dv; e < d; e++) {
                keys[j * d + e] = k[kRow + e];
            }
            for (int e = dv; e < (d + COL - 1) / COL * COL; e++) {
                int g = e / COL;
                values[g * valueStride + j * COL + e - g * COL] = e < d ? v[vRow + e] : 0f;
            }
        }
    }

}
