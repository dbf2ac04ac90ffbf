package dev.squall.engine.compress;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.io.DType;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.sparse.Csr;

import java.util.Arrays;
import java.util.LinkedHashMap;
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
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put("row_ptr", NdArray.of(rowPtr, out + 1));
        m.put("cols", NdArray.of(cols, cols.length));
        m.put("vals", NdArray.of(vals, vals.length));
        return m;
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
