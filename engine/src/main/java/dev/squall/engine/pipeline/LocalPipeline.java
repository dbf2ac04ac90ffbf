package dev.squall.engine.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Runs P stages inside one JVM, each on its own thread, with ordered {@link Mailbox}es between neighbours.
 * Each stage keeps its own compute resources (its own backend and worker pool, if it uses one).
 */
public final class LocalPipeline implements AutoCloseable {
    private final List<StageRunner> runners = new ArrayList<>();
    private final List<ExecutorService> threads = new ArrayList<>();
    private final Mailbox[] activations;
    private final Mailbox[] gradients;
    private final Schedule schedule;
    private long nextStep;

    /** A pipeline of {@code stages} in order, run with {@code schedule}. */
    public LocalPipeline(List<? extends PipelineStage> stages, Schedule schedule) {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("--pipeline-stages: needs at least one stage");
        }
        int p = stages.size();
        this.schedule = schedule;
        this.activations = new Mailbox[p];
        this.gradients = new Mailbox[p];
        for (int s = 0; s < p; s++) {
            runners.add(new StageRunner(s, p, stages.get(s)));
            activations[s] = new Mailbox("stage " + s + " activations");
            gradients[s] = new Mailbox("stage " + s + " gradients");
            String name = "squall-stage-" + s;
            threads.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            }));
        }
    }

    /** The schedule. */
    public Schedule schedule() {
        return schedule;
    }

    /** Runs the next step with {@code microBatches} micro-batches on every stage and waits for it. */
    public StepResult step(int microBatches) {
        long step = nextStep++;
        long start = System.nanoTime();
        List<StageReport> reports = onEveryStage(s -> {
            StageLink link = link(s);
            return () -> runners.get(s).runSchedule(step, schedule, microBatches, link);
        });
        float[][] shares = StageReport.shares(reports);
        List<Long> optimizer = onEveryStage(s -> () -> runners.get(s).finishStep(shares));
        List<StageReport> finished = new ArrayList<>(reports.size());
        for (int s = 0; s < reports.size(); s++) {
            finished.add(reports.get(s).withOptimizerNanos(optimizer.get(s)));
        }
        long wall = System.nanoTime() - start;
        return new StepResult(step, StepResult.meanLoss(finished.get(finished.size() - 1).losses()), wall, finished);
    }

    /**
     * Runs {@code task.apply(s)} on every stage's thread and waits for all; the first stage to fail poisons every
     * mailbox (no stage waits for ever) and its error is thrown, naming it.
     */
    private <T> List<T> onEveryStage(IntFunction<Callable<T>> task) {
        int p = runners.size();
        AtomicReference<PipelineException> failure = new AtomicReference<>();
        List<Future<T>> futures = new ArrayList<>(p);
        for (int s = 0; s < p; s++) {
            Callable<T> body = task.apply(s);
            int stage = s;
            futures.add(threads.get(s).submit(() -> {
                try {
                    return body.call();
                } catch (PipelineException e) {
                    throw e;                        // a neighbour's failure, passed on through a mailbox
                } catch (Exception | Error e) {
                    PipelineException f = new PipelineException(stage, String.valueOf(e), e);
                    if (failure.compareAndSet(null, f)) {
                        poisonAll(f);
                    }
                    throw f;
                }
            }));
        }
        List<T> results = new ArrayList<>(p);
        for (int s = 0; s < p; s++) {
            try {
                results.add(futures.get(s).get());
            } catch (ExecutionException e) {
                // failure is set: the first stage to fail poisoned the others' mailboxes.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                PipelineException f = new PipelineException(s, "interrupted while waiting for the step", e);
                poisonAll(f);
                throw f;
            }
        }
        if (failure.get() != null) {
            for (int s = 0; s < p; s++) {
                activations[s].clear();
                gradients[s].clear();
            }
            throw failure.get();
        }
        return results;
    }

    private void poisonAll(PipelineException cause) {
        // The stages still waiting on a neighbour that failed get its error instead of waiting for ever.
        for (int s = 0; s < runners.size(); s++) {
            activations[s].fail(cause);
            gradients[s].fail(cause);
        }
    }

    private StageLink link(int s) {
        return new StageLink() {
            @Override
            public float[] receiveActivation(int microBatch) throws InterruptedException {
                return activations[s].take(microBatch);
            }

            @Override
            public float[] receiveGradient(int microBatch) throws InterruptedException {
                return gradients[s].take(microBatch);
            }

            @Override
            public void sendActivation(int microBatch, float[] activation) {
                activations[s + 1].put(microBatch, activation);
            }

            @Override
            public void sendGradient(int microBatch, float[] gradient) {
                gradients[s - 1].put(microBatch, gradient);
            }
        };
    }

    /**
     * Every stage's {@link PipelineStage#parameters()}, one after another in stage order (call between steps).
     */
    public float[] parameters() {
        return concat(runners.stream().map(r -> r.body().parameters()).toArray(float[][]::new));
    }

    /** The arrays one after another. */
    public static float[] concat(float[][] arrays) {
        int n = 0;
        for (float[] a : arrays) {
            n += a.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] a : arrays) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }

    @Override
    public void close() {
        threads.forEach(ExecutorService::shutdownNow);
    }
}
