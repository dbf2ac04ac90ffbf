package dev.squall.engine.jvm.fast.attention;

import java.util.Arrays;

/**
 * The keys and values of one (sequence, head) packed for {@link TileKernels}, tile by tile as they are first
 * needed and then kept for the thread's other query groups: keys as micro-panels of
 * {@link TileKernels#SCORE_ROWS} keys ({@code [d][SCORE_ROWS]}, panel {@code m} at {@code m·SCORE_ROWS·d}),
 * values as panels of {@link TileKernels#COLUMNS} columns of the head dimension ({@code [keys][COLUMNS]}, panel
 * {@code g} at {@code g·valueStride()}). Both span the whole sequence, so any run of keys starting on a key
 * micro-panel can be scored and any run of values weighted. Key {@code j} of the sequence is the token
 * {@code first + j·stride} ({@code stride > 1}: the keys of one residue class of a dilated window). At most
 * {@code N·d} floats each, per thread.
 */
final class KeyValuePanels {
    /** Keys packed at a time. */
    static final int TILE = 128;
    private static final int SR = TileKernels.SCORE_ROWS;
    private static final int COL = TileKernels.COLUMNS;

    float[] keys = new float[0];
    float[] values = new float[0];
    private boolean[] packed = new boolean[0];
    private int valueStride;
    private float[] k;
    private float[] v;
    private int ld;
    private int kOff;
    private int vOff;
    private int first;
    private int stride;
    private int n;
    private int d;

    /** Forgets every packed tile: a new call may bring new keys and values in the same arrays. */
    void forget() {
        k = null;
        v = null;
    }

    /**
     * Selects the sequence of {@code n} keys: key {@code j} at {@code k[(first + j·stride)·ld + kOff ..]} and its
     * value at {@code v[(first + j·stride)·ld + vOff ..]}, {@code d} floats each. Keeps what is packed when it is
     * the sequence already selected.
     */
    void select(float[] k, float[] v, int ld, int kOff, int vOff, int first, int stride, int n, int d) {
        if (k == this.k && v == this.v && ld == this.ld && kOff == this.kOff && vOff == this.vOff
                && first == this.first && stride == this.stride && n == this.n && d == this.d) {
            return;
        }
        this.k = k;
        this.v = v;
        this.ld = ld;
        this.kOff = kOff;
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

    /** Floats between two value panels. */
    int valueStride() {
        return valueStride;
    }

    /** Offset in {@link #keys} of the micro-panel starting at key {@code j} (a multiple of {@code SCORE_ROWS}). */
    static int keyOffset(int j, int d) {
        return j * d;
    }

    /** Offset in {@link #values} of value {@code j} in the first panel. */
    static int valueOffset(int j) {
        return j * COL;
    }

    /** Packs the tiles holding keys {@code [j0, j1)} that are not packed yet. */
    void ensure(int j0, int j1) {
        for (int t = j0 / TILE; t * TILE < Math.min(j1, n); t++) {
            if (!packed[t]) {
                pack(t * TILE, Math.min(n, t * TILE + TILE));
                packed[t] = true;
            }
        }
    }

    private void pack(int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            int row = (first + j * stride) * ld;
            int panel = j / SR * SR * d + j % SR;
            for (int p = 0; p < d; p++) {
                keys[panel + p * SR] = k[row + kOff + p];
            }
            for (int g = 0; g * COL < d; g++) {
                int dst = g * valueStride + j * COL;
                int w = Math.min(COL, d - g * COL);
                System.arraycopy(v, row + vOff + g * COL, values, dst, w);
                Arrays.fill(values, dst + w, dst + COL, 0f);
            }
        }
        // The last micro-panel's missing keys: zeros, so that the scores computed beside them stay finite.
        for (int j = j1; j < (j1 + SR - 1) / SR * SR; j++) {
            int panel = j / SR * SR * d + j % SR;
            for (int p = 0; p < d; p++) {
                keys[panel + p * SR] = 0f;
            }
        }
    }
}
