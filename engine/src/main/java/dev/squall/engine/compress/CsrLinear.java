package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.sparse.Csr;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A linear layer with an unstructured sparse weight in CSR form, run by {@link Csr#gemm}, which visits only the
 * stored entries. Layout in {@code dev.squall.tasks.sparse}.
 *
 * @param rowPtr {@code out + 1} offsets
 * @param cols   column of each stored entry, ascending within a row
 * @param vals   value of each stored entry
 * @param bias   {@code out} fp32 biases
 * @param in     input features
 * @param out    output features
 */
public record CsrLinear(int[] rowPtr, int[] cols, float[] vals, float[] bias, int in, int out)
        implements CompressedLinear {

    /** The format's facts: magnitude pruning ({@link Pruning}), then CSR storage of the non-zeros. */
    public static final FormatFacts FORMAT = new FormatFacts("pruned", List.of(), "pruned:S[:row|:global]", "64·(1−S)",
            "magnitude pruning to sparsity S (per layer, row, or all layers), CSR",
            CsrLinear.class, false, CsrLinear::pack, "csr", List.of("row_ptr", "cols", "vals"), CsrLinear::fromParts,
            List.of("pruned:0.5", "pruned:0.9", "pruned:0.95"));

    /** Checks the structure: offsets ascending from 0 to the entry count, columns in range and ascending. */
    public CsrLinear {
        Parts.checkShape(in, out, bias);
        Parts.checkLength("CSR row offsets", rowPtr.length, out + 1L);
        Parts.checkLength("CSR values", vals.length, cols.length);
        if (rowPtr[0] != 0 || rowPtr[out] != cols.length) {
            throw new IllegalArgumentException("CSR row offsets must run from 0 to " + cols.length + " entries, got "
                    + rowPtr[0] + ".." + rowPtr[out] + " (corrupt packed data)");
        }
        for (int j = 0; j < out; j++) {
            if (rowPtr[j + 1] < rowPtr[j]) {
                throw new IllegalArgumentException("CSR row offsets decrease at row " + j + " (corrupt packed data)");
            }
            for (int e = rowPtr[j]; e < rowPtr[j + 1]; e++) {
                if (cols[e] < 0 || cols[e] >= in || (e > rowPtr[j] && cols[e] <= cols[e - 1])) {
                    throw new IllegalArgumentException("CSR row " + j + ": column " + cols[e] + " out of [0, " + in
                            + ") or not ascending (corrupt packed data)");
                }
            }
        }
    }

    /** The non-zeros of {@code w} (e.g. after {@link Pruning}), row by row. */
    public static CsrLinear of(RowWeights w) {
        int nnz = 0;
        for (float v : w.w()) {
            nnz += v != 0f ? 1 : 0;
        }
        int[] rowPtr = new int[w.out() + 1];
        int[] cols = new int[nnz];
        float[] vals = new float[nnz];
        int e = 0;
        for (int j = 0; j < w.out(); j++) {
            for (int p = 0; p < w.in(); p++) {
                float v = w.w()[j * w.in() + p];
                if (v != 0f) {
                    cols[e] = p;
                    vals[e++] = v;
                }
            }
            rowPtr[j + 1] = e;
        }
        return new CsrLinear(rowPtr, cols, vals, w.bias(), w.in(), w.out());
    }

    /** The format {@code pruned:S}, {@code pruned:S:row} or {@code pruned:S:global} names. */
    static WeightFormat pack(FormatArgs a) {
        List<String> p = a.params();
        if (p.isEmpty() || p.size() > 2) {
            throw a.bad("pruning is written pruned:S, pruned:S:row or pruned:S:global, S in [0, 1]");
        }
        double sparsity = a.number(p.get(0), "sparsity");
        if (!(sparsity >= 0 && sparsity <= 1)) {
            throw a.bad("sparsity must be in [0, 1]");
        }
        String scope = p.size() == 2 ? p.get(1) : "layer";
        String name = "pruned:" + p.get(0) + (p.size() == 2 ? ":" + scope : "");
        return switch (scope) {
            case "layer" -> a.eachLayer(name, w -> pruned(w, sparsity, false));
            case "row" -> a.eachLayer(name, w -> pruned(w, sparsity, true));
            case "global" -> new GlobalPruning(name, sparsity);
            default -> throw a.bad("pruning scope must be row or global");
        };
    }

    private static CsrLinear pruned(RowWeights w, double sparsity, boolean perRow) {
        float[] pruned = w.w().clone();
        if (perRow) {
            Pruning.perRow(pruned, w.out(), w.in(), sparsity);
        } else {
            Pruning.global(List.of(pruned), sparsity);
        }
        return of(new RowWeights(pruned, w.bias(), w.out(), w.in()));
    }

    /** Global magnitude pruning: every layer's weights compete together, then each is stored as CSR. */
    private record GlobalPruning(String name, double sparsity) implements WeightFormat {
        @Override
        public List<LinearLayer> compress(List<RowWeights> layers) {
            List<RowWeights> copies = layers.stream()
                    .map(w -> new RowWeights(w.w().clone(), w.bias(), w.out(), w.in())).toList();
            Pruning.global(copies.stream().map(RowWeights::w).toList(), sparsity);
            return copies.stream().<LinearLayer>map(CsrLinear::of).toList();
        }
    }

    /** Reads the parts {@link #parts()} wrote for the weight called {@code name}. */
    public static CsrLinear fromParts(String name, Map<String, NdArray> parts, int out, int in, float[] bias) {
        NdArray cols = parts.get("cols");
        int nnz = cols == null || cols.rank() != 1 ? -1 : cols.dim(0);
        return new CsrLinear((int[]) Parts.require(name, parts, "row_ptr", DType.INT32, out + 1),
                (int[]) Parts.require(name, parts, "cols", DType.INT32, nnz),
                (float[]) Parts.require(name, parts, "vals", DType.FLOAT32, nnz), bias, in, out);
    }

    /** Fraction of zero weights. */
    public double sparsity() {
        return 1 - (double) vals.length / ((double) out * in);
    }

    @Override
    public FormatFacts facts() {
        return FORMAT;
    }

    @Override
    public String format() {
        return "pruned:" + String.format(Locale.ROOT, "%.3f", sparsity()).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    @Override
    public float[] dequantize() {
        float[] w = new float[out * in];
        for (int j = 0; j < out; j++) {
            for (int e = rowPtr[j]; e < rowPtr[j + 1]; e++) {
                w[j * in + cols[e]] = vals[e];
            }
        }
        return w;
    }

    @Override
    public long weightBytes() {
        return 4L * rowPtr.length + 4L * cols.length + 4L * vals.length;
    }

    @Override
    public Map<String, NdArray> parts() {
        return Parts.named(FORMAT, NdArray.of(rowPtr, out + 1),
                NdArray.of(cols, cols.length),
                NdArray.of(vals, vals.length));
    }

    @Override
    public List<Object> weightArrays() {
        return List.of(rowPtr, cols, vals, bias);
    }

    @Override
    public LinearLayer slice(int from, int count) {
        Parts.checkSlice(from, count, out);
        int e0 = rowPtr[from];
        int e1 = rowPtr[from + count];
        int[] ptr = new int[count + 1];
        for (int j = 0; j <= count; j++) {
            ptr[j] = rowPtr[from + j] - e0;
        }
        return new CsrLinear(ptr, Arrays.copyOfRange(cols, e0, e1), Arrays.copyOfRange(vals, e0, e1),
                Parts.rows(bias, 1, from, count), in, count);
    }

    @Override
    public void addTo(TaskGraph g, String name, float[] x, float[] y, int rows, boolean withBias, int activation) {
        g.task(name, out, Csr::gemm, x, rowPtr, cols, vals, bias, y, rows, out, in, withBias ? 1 : 0, activation);
    }
}
