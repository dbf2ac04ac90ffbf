package dev.squall.engine.jvm.fast.quant;

import dev.squall.tasks.gemm.Gemm;
import dev.squall.tasks.quant.Int8Activations;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.squall.engine.jvm.fast.lanes.QuantLanes.I8;

/**
 * The GEMV of {@link Int8Activations#gemm} on the fast path, summed in integers as the plain kernel sums, so the
 * results are the same bits. Per 32 weights, the bytes are read as 16 16-bit lanes and split into the even and
 * the odd weights by shifts (no lane-type conversion); each multiplies the matching activations, laid out once
 * per call in the same even/odd order ({@link #lanes}), and the two products of a lane are added in 16 bits:
 * at most {@code 2·128·127 < 2¹⁵} in magnitude, as long as no activation is −128, which is checked (the quantiser
 * never produces it; a call given one takes the float path). The lanes then widen in pairs into 8 int
 * accumulators. Integer sums wrap identically in any order, so they equal the plain kernel's {@code int} sum.
 */
final class Int8Gemv {
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    /** Weights per step: one 256-bit load. */
    private static final int CHUNK = 32;
    private static final ThreadLocal<short[][]> SCRATCH = ThreadLocal.withInitial(() -> new short[1][0]);

    private Int8Gemv() {
    }

    /**
     * Output rows {@code [j0, j1)} of {@link Int8Activations#gemm} for {@code m} activation rows; returns false,
     * having written nothing, when an activation is −128.
     */
    static boolean run(byte[] qx, float[] sx, byte[] qw, float[] sw, float[] bias, float[] y, int m, int n, int k,
                       int hasBias, int activation, int j0, int j1) {
        int chunks = k / CHUNK;
        short[] x = lanes(qx, m, k, chunks);
        if (x == null) {
            return false;
        }
        int whole = chunks * CHUNK;
        for (int i = 0; i < m; i++) {
            for (int j = j0; j < j1; j++) {
                int sum = chunks(x, i * whole, qw, j * k, chunks)
                        + Int8Activations.integerDot(qx, i * k + whole, qw, j * k + whole, k - whole);
                y[i * n + j] = Gemm.epilogue(sum * (sx[i] * sw[j]), bias, j, hasBias, activation);
            }
        }
        return true;
    }

    /**
     * The whole chunks of each activation row as shorts, per chunk the 16 even activations then the 16 odd ones,
     * in this thread's scratch; null when one of them is −128.
     */
    private static short[] lanes(byte[] qx, int m, int k, int chunks) {
        short[][] holder = SCRATCH.get();
        if (holder[0].length < m * chunks * CHUNK) {
            holder[0] = new short[m * chunks * CHUNK];
        }
        short[] x = holder[0];
        int low = 0;
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < chunks; c++) {
                int dst = (i * chunks + c) * CHUNK;
                int src = i * k + c * CHUNK;
                for (int l = 0; l < CHUNK / 2; l++) {
                    x[dst + l] = qx[src + 2 * l];
                    x[dst + CHUNK / 2 + l] = qx[src + 2 * l + 1];
                    low = Math.min(low, Math.min(qx[src + 2 * l], qx[src + 2 * l + 1]));
                }
            }
        }
        return low > Byte.MIN_VALUE ? x : null;
    }

    /** {@code Σ} over {@code chunks} chunks of activations from {@code x0} and weights from {@code w0}. */
    private static int chunks(short[] x, int x0, byte[] w, int w0, int chunks) {
        IntVector acc = IntVector.zero(I8);
        for (int c = 0; c < chunks; c++) {
            ShortVector v = ByteVector.fromArray(B32, w, w0 + c * CHUNK).reinterpretAsShorts();
            ShortVector even = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector odd = v.lanewise(VectorOperators.ASHR, 8);
            int xp = x0 + c * CHUNK;
            IntVector pairs = even.mul(ShortVector.fromArray(S16, x, xp))
                    .add(odd.mul(ShortVector.fromArray(S16, x, xp + CHUNK / 2))).reinterpretAsInts();
            acc = acc.add(pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(pairs.lanewise(VectorOperators.ASHR, 16));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
