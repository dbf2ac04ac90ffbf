package dev.squall.benchmarks;

import dev.squall.benchmarks.suite.Inputs;
import dev.squall.engine.compress.RowWeights;
import dev.squall.engine.compress.WeightFormats;
import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.layers.LinearLayer;
import dev.squall.tasks.activation.Activations;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;

/**
 * One {@code size × size} linear layer of N(0, 1/size) weights in every weight format: GEMV ({@code rows = 1},
 * decode) and GEMM ({@code rows = 512}, prefill), on the JVM backend with its fast paths. With
 * {@code copies > 1} each invocation runs the next of that many weight copies, so the weights of a GEMV come from
 * memory rather than from the last-level cache (as in a model with many layers): e.g.
 * {@code ./squall jmh QuantBenchmark -p rows=1 -p copies=8}. {@code fp32-rows} (fp32 in the compressed formats'
 * layout and loops) is the baseline of the speed-ups; {@code fp32} is the project's default layer. Warm-up is
 * longer than the defaults: until C2 has compiled them, Vector API loops run orders of magnitude slower.
 */
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class QuantBenchmark extends BenchmarkDefaults {
    @Param({"fp32", "fp32-rows", "fp16", "bf16", "q8_0", "q4_0", "int8", "int8g:128", "ternary", "binary", "w8a8",
            "pruned:0.5", "pruned:0.9", "pruned:0.95", "2:4"})
    public String format;

    @Param({"1", "512"})
    public int rows;

    @Param({"4096"})
    public int size;

    @Param({"1"})
    public int copies;

    private JvmBackend backend;
    private ExecutionPlan[] plans;
    private int next;

    @Setup
    public void setUp() {
        float[] w = Inputs.gaussian(size * size, 11);
        float scale = (float) (1 / Math.sqrt(size));
        for (int i = 0; i < w.length; i++) {
            w[i] *= scale;
        }
        LinearLayer layer = WeightFormats.parse(format).compress(List.of(new RowWeights(w, new float[size], size, size)))
                .get(0);
        float[] x = Inputs.gaussian(rows * size, 12);
        backend = new JvmBackend(threads);
        plans = new ExecutionPlan[copies];
        for (int c = 0; c < copies; c++) {
            LinearLayer l = c == 0 ? layer : layer.slice(0, size);
            float[] y = new float[rows * size];
            TaskGraph g = new TaskGraph("linear")
                    .transferToDevice(DataTransferMode.FIRST_EXECUTION, l.weightArrays().toArray())
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
            l.addTo(g, "linear", x, y, rows, false, Activations.IDENTITY);
            plans[c] = backend.plan(g.transferToHost(DataTransferMode.EVERY_EXECUTION, y));
        }
    }

    @Benchmark
    public Object linear() {
        ExecutionPlan plan = plans[next];
        next = (next + 1) % copies;
        return plan.execute();
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }
}
