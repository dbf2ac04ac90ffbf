package dev.squall.benchmarks.pipeline;

import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StepResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures the in-JVM pipeline on balanced {@link GemmStage}s: per stage, the idle fraction of the schedule's
 * time (bubble) against the theory (P − 1)/(M + P − 1), peak saved micro-batches and bytes, boundary bytes per
 * step and step time, for GPipe and 1F1B. Arguments (all optional): {@code stages microBatches(comma list)
 * layersPerStage width rows steps}; defaults {@code 2 1,2,4,8 2 512 64 7}. Medians over the steps after one
 * warm-up step.
 */
public final class PipelineBubble {
    private PipelineBubble() {}

    /** Prints a Markdown table on standard output. */
    public static void main(String[] args) {
        int p = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int[] ms = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 2, 4, 8};
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int width = args.length > 3 ? Integer.parseInt(args[3]) : 512;
        int rows = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        int steps = args.length > 5 ? Integer.parseInt(args[5]) : 7;
        System.out.printf("P = %d stages x %d layers of %d x %d (Linear + GELU, plain kernels, one thread per stage),"
                + " %d rows per micro-batch; medians of %d steps after 1 warm-up%n%n", p, layers, width, width, rows,
                steps);
        System.out.println("| schedule | M | theory | bubble per stage | peak saved micro-batches per stage "
                + "| peak saved MiB per stage | boundary MiB/step | step ms | P=1 step ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (int m : ms) {
            double single = medianStepMillis(1, layers * p, width, rows, m, Schedule.GPIPE, steps);
            for (Schedule schedule : Schedule.values()) {
                List<StepResult> results = run(p, layers, width, rows, m, schedule, steps);
                StringBuilder bubble = new StringBuilder();
                StringBuilder inFlight = new StringBuilder();
                StringBuilder mib = new StringBuilder();
                for (int s = 0; s < p; s++) {
                    int stage = s;
                    String sep = s == 0 ? "" : " / ";
                    bubble.append(sep).append(String.format("%.3f",
                            median(results.stream().mapToDouble(r -> r.bubble(stage)).toArray())));
                    StepResult last = results.get(results.size() - 1);
                    inFlight.append(sep).append(last.stages().get(s).peakSavedMicroBatches());
                    mib.append(sep).append(String.format("%.1f", last.stages().get(s).peakSavedBytes() / 1048576.0));
                }
                StepResult last = results.get(results.size() - 1);
                long boundary = 0;
                for (int b = 0; b + 1 < p; b++) {
                    boundary += last.boundaryBytes(b);
                }
                double stepMs = median(results.stream().mapToDouble(r -> r.wallNanos() / 1e6).toArray());
                System.out.printf("| %s | %d | %.3f | %s | %s | %s | %.2f | %.1f | %.1f |%n", schedule.flag(), m,
                        Schedule.theoreticalBubble(p, m), bubble, inFlight, mib, boundary / 1048576.0, stepMs,
                        single);
            }
        }
    }

    private static List<StepResult> run(int p, int layers, int width, int rows, int m, Schedule schedule,
            int steps) {
        List<PipelineStage> stages = new ArrayList<>();
        for (int s = 0; s < p; s++) {
            stages.add(new GemmStage(layers, width, rows, s == 0, s == p - 1, 1000 + s));
        }
        List<StepResult> results = new ArrayList<>();
        try (LocalPipeline pipeline = new LocalPipeline(stages, schedule)) {
            pipeline.step(m);
            for (int k = 0; k < steps; k++) {
                results.add(pipeline.step(m));
            }
        }
        return results;
    }

    private static double medianStepMillis(int p, int layers, int width, int rows, int m, Schedule schedule,
            int steps) {
        return median(run(p, layers, width, rows, m, schedule, steps).stream()
                .mapToDouble(r -> r.wallNanos() / 1e6).toArray());
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
