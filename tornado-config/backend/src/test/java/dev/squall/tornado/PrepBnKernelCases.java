package dev.squall.tornado;

import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.elementwise.Elementwise;
import dev.squall.tasks.norm.BatchNorms;
import dev.squall.tasks.softmax.CrossEntropy;
import dev.squall.tasks.softmax.Distillation;
import dev.squall.tasks.testing.RandomArrays;

import java.util.List;

import static dev.squall.tornado.KernelCase.Built;
import static dev.squall.tornado.KernelCase.Output;

/**
 * The kernels of distillation and PRepBN: BatchNorm over the tokens of a batch (statistics over the kept rows,
 * running update, RepBN and the LayerNorm mixture, inference form, training-mode backward) and the fused
 * distillation loss after the cross-entropy it mixes into. Accumulated outputs start from random values
 * ({@link TrainingKernelCases#start}).
 */
final class PrepBnKernelCases {
    private static final int ROWS = 37;
    private static final int COLS = 67;

    private PrepBnKernelCases() {
    }

    static List<KernelCase> all() {
        return List.of(
                new KernelCase("BatchNorms.batchStats, prepBn, repBn, updateRunning rows=37 cols=67, some rows not"
                        + " kept, columns on an offset", r -> {
                    float[] x = input(r);
                    int[] keep = keep(r);
                    float[] stats = new float[COLS * BatchNorms.STATS];
                    float[] mixed = new float[ROWS * COLS];
                    float[] rep = new float[ROWS * COLS];
                    float[] runningMean = new float[COLS];
                    float[] runningVar = new float[COLS];
                    TaskGraph g = new TaskGraph("prepBn");
                    TrainingKernelCases.start(g, "runningMean", runningMean, r.gaussian(COLS), 1, COLS);
                    TrainingKernelCases.start(g, "runningVar", runningVar, r.uniform(COLS, 0.5, 2), 1, COLS);
                    float[] gamma = r.gaussian(COLS, 1, 0.5);
                    float[] beta = r.gaussian(COLS);
                    float[] alpha = {0.7f};
                    g.task("stats", Elementwise.columnPanels(COLS), BatchNorms::batchStats, x, keep, stats, ROWS, COLS,
                                    1e-5f)
                            .task("prepBn", ROWS, BatchNorms::prepBn, x, r.gaussian(COLS, 1, 0.5), r.gaussian(COLS),
                                    stats, gamma, beta, alpha, new float[] {0.3f}, mixed, COLS, 1e-5f)
                            .task("repBn", ROWS, BatchNorms::repBn, x, stats, gamma, beta, alpha, rep, COLS)
                            .task("running", COLS, BatchNorms::updateRunning, stats, runningMean, runningVar, 0.1f,
                                    COLS);
                    return new Built(g, List.of(new Output("stats", stats, BatchNorms.STATS),
                            new Output("prepBn", mixed, COLS), new Output("repBn", rep, COLS),
                            new Output("runningMean", runningMean, COLS), new Output("runningVar", runningVar, COLS)));
                }),
                new KernelCase("BatchNorms.runningStats, repBn (inference) rows=37 cols=67", r -> {
                    float[] stats = new float[COLS * BatchNorms.STATS];
                    float[] out = new float[ROWS * COLS];
                    TaskGraph g = new TaskGraph("repBnEval")
                            .task("running", COLS, BatchNorms::runningStats, r.gaussian(COLS, 0, 3),
                                    r.uniform(COLS, 0.01, 4), stats, COLS, 1e-5f)
                            .task("repBn", ROWS, BatchNorms::repBn, input(r), stats, r.gaussian(COLS, 1, 0.5),
                                    r.gaussian(COLS), new float[] {1.3f}, out, COLS);
                    return new Built(g, List.of(new Output("stats", stats, BatchNorms.STATS),
                            new Output("out", out, COLS)));
                }),
                new KernelCase("BatchNorms.repBnReduce, repBnBackward, repBnParamsBackward, layerNormShare rows=37"
                        + " cols=67, some rows not kept, lambda 0.3", r -> {
                    float[] x = input(r);
                    int[] keep = keep(r);
                    int panels = Elementwise.columnPanels(COLS);
                    float[] lambda = {0.3f};
                    float[] dOut = r.gaussian(ROWS * COLS);
                    float[] stats = new float[COLS * BatchNorms.STATS];
                    float[] sums = new float[2 * COLS];
                    float[] partials = new float[panels];
                    float[] dx = new float[ROWS * COLS];
                    float[] dGamma = new float[COLS];
                    float[] dBeta = new float[COLS];
                    float[] dAlpha = new float[1];
                    float[] share = new float[ROWS * COLS];
                    TaskGraph g = new TaskGraph("repBnBackward");
                    TrainingKernelCases.start(g, "dx", dx, r.gaussian(ROWS * COLS), ROWS, COLS);
                    TrainingKernelCases.start(g, "dGamma", dGamma, r.gaussian(COLS), 1, COLS);
                    TrainingKernelCases.start(g, "dBeta", dBeta, r.gaussian(COLS), 1, COLS);
                    TrainingKernelCases.start(g, "dAlpha", dAlpha, r.gaussian(1), 1, 1);
                    g.task("stats", panels, BatchNorms::batchStats, x, keep, stats, ROWS, COLS, 1e-5f)
                            .task("reduce", panels, BatchNorms::repBnReduce, x, stats, dOut, lambda, sums, partials,
                                    ROWS, COLS)
                            .task("dx", ROWS, BatchNorms::repBnBackward, x, stats, r.gaussian(COLS, 1, 0.5),
                                    new float[] {0.8f}, keep, sums, dOut, lambda, dx, COLS)
                            .task("params", panels, BatchNorms::repBnParamsBackward, sums, partials, dGamma, dBeta,
                                    dAlpha, COLS, panels)
                            .task("share", ROWS, BatchNorms::layerNormShare, dOut, lambda, share, COLS);
                    return new Built(g, List.of(new Output("sums", sums, 2 * COLS), new Output("partials", partials,
                            panels), new Output("dx", dx, COLS), new Output("dGamma", dGamma, COLS),
                            new Output("dBeta", dBeta, COLS), new Output("dAlpha", dAlpha, 1),
                            new Output("share", share, COLS)));
                }),
                new KernelCase("Distillation.distillation after CrossEntropy rows=9 vocab=65 tau=2 alpha=0.6, 2 targets"
                        + " ignored, one row around 1e4", r -> {
                    int rows = 9;
                    int vocab = 65;
                    float[] student = r.gaussian(rows * vocab, 0, 3);
                    float[] teacher = r.gaussian(rows * vocab, 0, 3);
                    for (int c = 0; c < vocab; c++) {
                        student[4 * vocab + c] += 1e4f;
                        teacher[4 * vocab + c] -= 1e4f;
                    }
                    int[] targets = TrainingKernelCases.ids(r, rows, vocab);
                    targets[2] = CrossEntropy.IGNORE;
                    targets[7] = CrossEntropy.IGNORE;
                    int[] count = new int[1];
                    float[] ceLosses = new float[rows];
                    float[] kdLosses = new float[rows];
                    float[] grad = new float[rows * vocab];
                    float[] mean = new float[1];
                    TaskGraph g = new TaskGraph("distillation")
                            .task("count", 1, CrossEntropy::countTargets, targets, count, rows)
                            .task("ce", rows, CrossEntropy::softmaxCrossEntropy, student, targets, count, ceLosses,
                                    grad, vocab)
                            .task("kd", rows, Distillation::distillation, student, teacher, targets, count, kdLosses,
                                    grad, vocab, 2f, 0.6f)
                            .task("mean", 1, CrossEntropy::meanLoss, kdLosses, count, mean, rows);
                    return new Built(g, List.of(new Output("kdLosses", kdLosses, 1), new Output("grad", grad, vocab),
                            new Output("mean", mean, 1)));
                }));
    }

    /** {@code [ROWS, COLS]}, every third column on an offset of 1e3 with a spread of 0.1. */
    private static float[] input(RandomArrays r) {
        float[] x = r.gaussian(ROWS * COLS);
        for (int i = 1; i < x.length; i += 3) {
            x[i] = x[i] * 0.1f + 1e3f;
        }
        return x;
    }

    /** Keep flags with about a quarter of the rows (never row 0) not kept. */
    private static int[] keep(RandomArrays r) {
        int[] keep = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            keep[i] = i == 0 || !r.chance(0.25) ? 1 : 0;
        }
        return keep;
    }
}
