package dev.squall.benchmarks.suite;

import dev.squall.benchmarks.pipeline.GemmStage;
import dev.squall.benchmarks.report.Report;
import dev.squall.benchmarks.report.Table;
import dev.squall.engine.graph.Backend;
import dev.squall.engine.pipeline.LocalPipeline;
import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StepResult;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The in-JVM pipeline on balanced {@link GemmStage}s: per stage, the idle fraction of the schedule's time (bubble)
 * against the theory (P − 1)/(M + P − 1), peak saved micro-batches and bytes, boundary bytes per step, and the step
 * time of P stages × 1 thread against one stage holding every layer on P threads. The three run in interleaved
 * rounds (one step each per round; medians shown) after one warm-up step. The stages call the plain kernels on
 * their own threads, whatever the backend.
 */
public final class PipelineBench implements BenchSuite {
    private final int stages;
    private final int[] microBatches;
    private final int rounds;
    private final StageKind kind;
    private final Table.Builder table = Table.of("schedule", "M", "theory", "bubble per stage",
            "saved micro-batches", "saved MiB", "boundary MiB/step", "step ms", "1 stage x P threads, ms");

    /** What the benchmark's stages are. */
    public interface StageKind {
        /**
         * Stage {@code stage} of {@code stages} (holding {@code 1/stages} of the model's layers) on {@code threads}
         * threads, for steps of {@code microBatches} micro-batches.
         */
        PipelineStage make(int stage, int stages, int threads, int microBatches);

        /** Releases what {@link #make} made for the stage (its buffers, its backend). */
        void release(PipelineStage stage);

        /** The table's title, the model and its micro-batches. */
        String title();
    }

    /** P stages of {@code layersPerStage} layers of {@code width}², {@code rows} rows per micro-batch. */
    public PipelineBench(int stages, int[] microBatches, int layersPerStage, int width, int rows, int rounds) {
        this(stages, microBatches, rounds, new StageKind() {
            @Override
            public PipelineStage make(int stage, int count, int threads, int m) {
                return new GemmStage(stages * layersPerStage / count, width, rows, stage == 0, stage == count - 1,
                        1000 + stage, threads);
            }

            @Override
            public void release(PipelineStage stage) {
                ((GemmStage) stage).close();
            }

            @Override
            public String title() {
                return String.format("%d layers per stage of %d x %d (Linear + GELU, plain kernels, a thread per stage),"
                        + " %d rows per micro-batch", layersPerStage, width, width, rows);
            }
        });
    }

    /** P stages of {@code kind}, measured for each of {@code microBatches} over {@code rounds} interleaved rounds. */
    public PipelineBench(int stages, int[] microBatches, int rounds, StageKind kind) {
        if (stages < 2) {
            throw new IllegalArgumentException("--pipeline-stages: the benchmark needs at least 2, got " + stages);
        }
        this.stages = stages;
        this.microBatches = microBatches.clone();
        this.rounds = rounds;
        this.kind = kind;
    }

    /** The defaults of the README's figures: P = 2, M = 1, 2, 4, 8, 2 layers of 512 per stage, 64 rows, 7 rounds. */
    public static PipelineBench defaults() {
        return new PipelineBench(2, new int[] {1, 2, 4, 8}, 2, 512, 64, 7);
    }

    /**
     * GPT training stages: P = 2, M = 1, 2, 4, 8, nanoGPT's CPU recipe's model (4 layers × 4 heads × 128, vocab 65,
     * T 64) with 2 sequences per micro-batch, 5 rounds.
     */
    public static PipelineBench gpt() {
        return new PipelineBench(2, new int[] {1, 2, 4, 8}, 5,
                new dev.squall.benchmarks.pipeline.GptStages(dev.squall.engine.model.GptConfig.of(65, 64, 4, 4, 128,
                        false, 0.0), 2));
    }

    @Override
    public double work() {
        // Each M's share is proportional to its micro-batches (three pipelines per M, same layers).
        return java.util.Arrays.stream(microBatches).sum();
    }

    @Override
    public void run(Backend backend, Progress progress) {
        for (int m : microBatches) {
            progress.begin("pipeline: P = " + stages + ", M = " + m, m);
            List<List<PipelineStage>> stageSets = new ArrayList<>();
            List<LocalPipeline> pipelines = new ArrayList<>();
            for (Schedule schedule : Schedule.values()) {
                List<PipelineStage> set = new ArrayList<>();
                for (int s = 0; s < stages; s++) {
                    set.add(kind.make(s, stages, 1, m));
                }
                stageSets.add(set);
                pipelines.add(new LocalPipeline(set, schedule));
            }
            List<PipelineStage> single = List.of(kind.make(0, 1, stages, m));
            stageSets.add(single);
            pipelines.add(new LocalPipeline(single, Schedule.GPIPE));
            List<List<StepResult>> results = new ArrayList<>();
            for (LocalPipeline p : pipelines) {
                p.step(m);
                results.add(new ArrayList<>());
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < pipelines.size(); i++) {
                    results.get(i).add(pipelines.get(i).step(m));
                }
            }
            pipelines.forEach(LocalPipeline::close);
            stageSets.forEach(set -> set.forEach(kind::release));
            double singleMs = median(results.get(2), r -> r.wallNanos() / 1e6);
            for (Schedule schedule : Schedule.values()) {
                addRow(schedule, m, results.get(schedule.ordinal()), singleMs);
            }
        }
    }

    private void addRow(Schedule schedule, int m, List<StepResult> results, double singleMs) {
        StringBuilder bubble = new StringBuilder();
        StringBuilder saved = new StringBuilder();
        StringBuilder mib = new StringBuilder();
        StepResult last = results.get(results.size() - 1);
        long boundary = 0;
        for (int s = 0; s < stages; s++) {
            int stage = s;
            String sep = s == 0 ? "" : " / ";
            bubble.append(sep).append(String.format("%.3f", median(results, r -> r.bubble(stage))));
            saved.append(sep).append(last.stages().get(s).peakSavedMicroBatches());
            mib.append(sep).append(String.format("%.1f", last.stages().get(s).peakSavedBytes() / 1048576.0));
            if (s + 1 < stages) {
                boundary += last.boundaryBytes(s);
            }
        }
        table.row(schedule.flag(), Integer.toString(m), String.format("%.3f", Schedule.theoreticalBubble(stages, m)),
                bubble.toString(), saved.toString(), mib.toString(), String.format("%.2f", boundary / 1048576.0),
                String.format("%.1f", median(results, r -> r.wallNanos() / 1e6)), String.format("%.1f", singleMs));
    }

    private static double median(List<StepResult> results, ToDoubleFunction<StepResult> f) {
        double[] v = results.stream().mapToDouble(f).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private String title() {
        return String.format("Pipeline: P = %d stages, %s, medians of %d interleaved rounds", stages, kind.title(),
                rounds);
    }

    /** The results as Markdown. */
    public String markdown() {
        return title() + "\n\n" + table.build().markdown();
    }

    @Override
    public String text() {
        return title() + "\n" + table.build().text();
    }

    @Override
    public void addTo(Report report) {
        report.section("Pipeline: bubble and saved activations").text(title()).table(table.build());
    }

}
