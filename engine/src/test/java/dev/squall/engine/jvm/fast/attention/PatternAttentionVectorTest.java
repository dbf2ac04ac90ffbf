package dev.squall.engine.jvm.fast.attention;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.jvm.FastPaths;
import dev.squall.tasks.attention.AttentionCase;
import dev.squall.tasks.attention.AttentionMask;
import dev.squall.tasks.attention.AttentionReference;
import dev.squall.tasks.attention.BlockSparseAttention;
import dev.squall.tasks.attention.QueryBlocks;
import dev.squall.tasks.attention.WindowAttention;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.RowSlices;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Vector API fast paths of the window and block-sparse kernels against their plain kernels and against
 * float64 dense attention with the pattern's mask, on every {@link AttentionCase#awkwardShapes()} shape
 * (d = 1 and 7: all tail, d = 64: all vector), causal or not, random parameters; rows split at random must
 * give bit-identical results. Bounds: {@code 1e-5 · Σ_j p_j|v_jc|} against float64, {@code 2e-5} of the same
 * scale against the plain kernel (the sum of both kernels' bounds).
 */
class PatternAttentionVectorTest {

    @Test
    void theStandardFastPathsReplaceTheKernels() throws NoSuchMethodException {
        FastPaths standard = FastPaths.standard();
        for (Class<?> kernels : List.of(WindowAttention.class, BlockSparseAttention.class)) {
            var kernel = Arrays.stream(kernels.getMethods()).filter(m -> m.getName().equals("attention")).findFirst().orElseThrow();
            assertTrue(standard.of(kernel).isPresent(), kernels.getSimpleName() + " has no standard fast path");
        }
    }

    @Test
    void windowFastPathMatchesPlainKernel() {
        for (boolean causal : new boolean[] {false, true}) {
            for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
                RandomArrays rnd = RandomArrays.fresh();
                AttentionCase c = AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, rnd.chance(0.5));
                int radius = new int[] {0, 1, 5, 70, 200}[rnd.nextInt(0, 4)];
                int[] dilations = new int[rnd.chance(0.5) ? 1 : c.heads()];
                for (int e = 0; e < dilations.length; e++) {
                    dilations[e] = rnd.nextInt(1, 4);
                }
                TreeSet<Integer> g = new TreeSet<>();
                for (int e = rnd.nextInt(0, 2); e > 0; e--) {
                    g.add(rnd.nextInt(0, c.maxLen() - 1));
                }
                checkWindow(c, rnd, causal, radius, dilations, g);
            }
        }
    }

    @Test
    void blockSparseFastPathMatchesPlainKernel() {
        for (boolean causal : new boolean[] {false, true}) {
            for (AttentionCase.Shape s : AttentionCase.awkwardShapes()) {
                RandomArrays rnd = RandomArrays.fresh();
                AttentionCase c = AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, rnd.chance(0.5));
                int block = new int[] {1, 3, 16, 64}[rnd.nextInt(0, 3)];
                int nb = (c.maxLen() + block - 1) / block;
                boolean[][] layout = new boolean[nb][nb];
                for (boolean[] row : layout) {
                    for (int j = 0; j < nb; j++) {
                        row[j] = rnd.chance(0.4);
                    }
                }
                int[] lists = csr(c.batch(), layout);
                int[] pattern = {causal ? AttentionMask.CAUSAL : 0, block};
                compare("block B=" + block, c, rnd,
                        (out, off, cnt) -> BlockSparseAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern,
                                lists, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                        (out, off, cnt) -> BlockSparseAttentionVector.attention(c.q(), c.k(), c.v(), out, c.seqStart(),
                                pattern, lists, c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                        (b, h, i, j) -> layout[i / block][j / block]);
            }
        }
    }

    /**
     * Plain local windows (dilation 1, no globals), which the fast path runs as blocked products over each
     * query group's keys: every awkward shape, and sequences longer than a key tile (128) and a query group
     * (128), where windows start on later tiles; radii from 0 to past the longest sequence, causal or not.
     */
    @Test
    void localWindowFastPathMatchesPlainKernel() {
        List<AttentionCase.Shape> shapes = new java.util.ArrayList<>(AttentionCase.awkwardShapes());
        shapes.add(new AttentionCase.Shape(new int[] {300, 129}, 2, 16));
        shapes.add(new AttentionCase.Shape(new int[] {5, 611}, 1, 9));
        for (boolean causal : new boolean[] {false, true}) {
            for (AttentionCase.Shape s : shapes) {
                for (int radius : new int[] {0, 3, 17, 130, 100000}) {
                    RandomArrays rnd = RandomArrays.fresh();
                    AttentionCase c = AttentionCase.random(rnd, s, causal ? AttentionMask.CAUSAL : 0, rnd.chance(0.5));
                    checkWindow(c, rnd, causal, radius, new int[] {1}, new TreeSet<>());
                }
            }
        }
    }

    private static void checkWindow(AttentionCase c, RandomArrays rnd, boolean causal, int radius, int[] dilations,
                                    TreeSet<Integer> g) {
        int[] globals = g.stream().mapToInt(Integer::intValue).toArray();
        int[] pattern = new int[WindowAttention.FIRST + dilations.length + globals.length];
        pattern[WindowAttention.FLAGS] = causal ? AttentionMask.CAUSAL : 0;
        pattern[WindowAttention.RADIUS] = radius;
        pattern[WindowAttention.DILATIONS] = dilations.length;
        pattern[WindowAttention.GLOBALS] = globals.length;
        System.arraycopy(dilations, 0, pattern, WindowAttention.FIRST, dilations.length);
        System.arraycopy(globals, 0, pattern, WindowAttention.FIRST + dilations.length, globals.length);
        compare("window W=" + radius + " D=" + Arrays.toString(dilations) + " G=" + Arrays.toString(globals), c, rnd,
                (out, off, cnt) -> WindowAttention.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern,
                        c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                (out, off, cnt) -> WindowAttentionVector.attention(c.q(), c.k(), c.v(), out, c.seqStart(), pattern,
                        c.heads(), c.d(), c.ld(), c.kCol(), c.vCol(), off, cnt),
                (b, h, i, j) -> {
                    int dil = dilations[h % dilations.length];
                    return Math.abs(i - j) <= radius * dil && (i - j) % dil == 0
                            || g.contains(i) || g.contains(j);
                });
    }

    /** A kernel call with everything bound but its output and row range. */
    @FunctionalInterface
    private interface Run {
        void run(float[] out, int rowOffset, int rowCount);
    }

    private static void compare(String what, AttentionCase c, RandomArrays rnd, Run plain, Run fast,
                                AttentionReference.Visibility visible) {
        Subject subject = Subject.of("fast path " + what, c.describe(), rnd.seed()).rowsOf(c.heads() * c.d());
        int rows = QueryBlocks.rows(c.seqStart(), c.batch(), c.heads());
        float[] expected = new float[c.outputSize()];
        plain.run(expected, 0, rows);
        float[] got = new float[c.outputSize()];
        RowSlices.run(subject, rnd, rows, (off, cnt) -> fast.run(got, off, cnt), got);
        AttentionReference ref = AttentionReference.of(c, visible);
        Tolerance.FP32.assertClose(subject.with("vs float64"), got, ref.out(), ref.outScale());
        double[] plainOut = new double[expected.length];
        for (int e = 0; e < expected.length; e++) {
            plainOut[e] = expected[e];
        }
        Tolerance.relative(2e-5).assertClose(subject.with("vs plain kernel"), got, plainOut, ref.outScale());
    }

    /** One CSR list for the layout, shared by all {@code batch} sequences, in the kernel's format. */
    private static int[] csr(int batch, boolean[][] layout) {
        List<Integer> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            out.add(batch);
        }
        int cols = batch + layout.length + 1;
        for (boolean[] row : layout) {
            out.add(cols);
            for (boolean x : row) {
                cols += x ? 1 : 0;
            }
        }
        out.add(cols);
        for (boolean[] row : layout) {
            for (int j = 0; j < row.length; j++) {
                if (row[j]) {
                    out.add(j);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
