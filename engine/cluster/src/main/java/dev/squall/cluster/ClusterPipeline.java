package dev.squall.cluster;

import dev.squall.cluster.StageProtocol.Abort;
import dev.squall.cluster.StageProtocol.ApplyStep;
import dev.squall.cluster.StageProtocol.DriverEvent;
import dev.squall.cluster.StageProtocol.FetchParameters;
import dev.squall.cluster.StageProtocol.RunStep;
import dev.squall.cluster.StageProtocol.StageCommand;
import dev.squall.cluster.StageProtocol.StageDone;
import dev.squall.cluster.StageProtocol.StageFailed;
import dev.squall.cluster.StageProtocol.StepApplied;
import dev.squall.cluster.StageProtocol.Stop;
import dev.squall.cluster.StageProtocol.TensorChunk;
import dev.squall.cluster.StageProtocol.TensorKind;
import dev.squall.cluster.StageProtocol.Wire;
import dev.squall.engine.pipeline.PipelineException;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StageReport;
import dev.squall.engine.pipeline.StepResult;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The driver of a pipeline whose stages are actors on cluster nodes; it runs on stage 0's node. It finds the
 * stages through the receptionist, tells each its neighbours, then runs steps: every stage runs its part of the
 * schedule and reports; a stage's error, a stage node that leaves or becomes unreachable, or a step slower than
 * the step timeout stop training with a {@link PipelineException} naming the stage.
 */
public final class ClusterPipeline implements AutoCloseable {
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final List<ActorRef<StageCommand>> stages;
    private final Map<Address, Integer> stageOfNode = new HashMap<>();
    private final Schedule schedule;
    private final Duration stepTimeout;
    private final ActorRef<Object> driver;
    private final StageNode first;
    private final int chunkFloats;
    private long nextStep;
    private long nextRequest;
    private PipelineException failed;

    private ClusterPipeline(StageNode first, int stageCount, Schedule schedule, Duration joinTimeout,
            Duration stepTimeout) throws InterruptedException {
        this.first = first;
        this.chunkFloats = ClusterSettings.chunkFloats(first.system().settings().config());
        this.schedule = schedule;
        this.stepTimeout = stepTimeout;
        this.driver = first.system().systemActorOf(DriverActor.create(events, stageCount), "pipeline-driver",
                Props.empty());
        this.stages = findStages(stageCount, joinTimeout);
        Address self = Cluster.get(first.system()).selfMember().address();
        for (int s = 0; s < stageCount; s++) {
            Address a = stages.get(s).path().address();
            stageOfNode.put(a.hasLocalScope() ? self : a, s);
        }
        ActorRef<DriverEvent> reports = driver.narrow();
        for (int s = 0; s < stageCount; s++) {
            stages.get(s).tell(new Wire(stageCount, s == 0 ? null : stages.get(s - 1),
                    s == stageCount - 1 ? null : stages.get(s + 1), reports));
        }
    }

    /**
     * Finds the {@code stageCount} stages (stage 0 on {@code first}'s node, the others on nodes that joined it)
     * within {@code joinTimeout} and connects them; steps slower than {@code stepTimeout} fail.
     */
    public static ClusterPipeline connect(StageNode first, int stageCount, Schedule schedule, Duration joinTimeout,
            Duration stepTimeout) throws InterruptedException {
        if (first.stage() != 0) {
            throw new IllegalArgumentException("the driver runs on stage 0's node, not stage " + first.stage() + "'s");
        }
        return new ClusterPipeline(first, stageCount, schedule, joinTimeout, stepTimeout);
    }

    @SuppressWarnings("unchecked")
    private List<ActorRef<StageCommand>> findStages(int stageCount, Duration timeout) throws InterruptedException {
        ActorRef<StageCommand>[] found = new ActorRef[stageCount];
        long deadline = System.nanoTime() + timeout.toNanos();
        int missing = stageCount;
        while (missing > 0) {
            Object e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                int s = Arrays.asList(found).indexOf(null);
                throw new PipelineException(s, "its node did not join the cluster within " + timeout.toSeconds()
                        + " s (" + missing + " of " + stageCount + " stages missing)", null);
            }
            if (e instanceof Receptionist.Listing listing) {
                for (int s = 0; s < stageCount; s++) {
                    if (listing.isForKey(StageNode.key(s))) {
                        var refs = listing.getServiceInstances(StageNode.key(s));
                        if (refs.size() > 1) {
                            throw new PipelineException(s, refs.size() + " nodes claim this stage: " + refs, null);
                        }
                        if (refs.size() == 1 && found[s] == null) {
                            found[s] = refs.iterator().next();
                            missing--;
                        }
                    }
                }
            }
        }
        return List.of(found);
    }

    /** The schedule. */
    public Schedule schedule() {
        return schedule;
    }

    /**
     * Runs the next step with {@code microBatches} micro-batches on every stage and waits for its reports: every
     * stage runs its schedule and sends its share; each stage then gets every share and applies its optimizer.
     */
    public StepResult step(int microBatches) throws InterruptedException {
        checkUsable();
        long step = nextStep++;
        long start = System.nanoTime();
        long deadline = start + stepTimeout.toNanos();
        int p = stages.size();
        RunStep run = new RunStep(step, microBatches, schedule.flag());
        stages.forEach(s -> s.tell(run));
        StageReport[] reports = new StageReport[p];
        float[][] shares = new float[p][];
        TensorChunks assembler = new TensorChunks();
        for (int done = 0; done < p; ) {
            switch (next(deadline, step, reports)) {
                case StageDone d when d.step() == step -> {
                    reports[d.stage()] = new StageReport(d.stage(), d.busyNanos(), d.windowNanos(), 0,
                            d.peakSavedMicroBatches(), d.peakSavedBytes(), d.activationBytesSent(),
                            d.gradientBytesSent(), d.losses(), shares[d.stage()]);
                    done++;
                }
                case TensorChunk c when c.kind() == TensorKind.SHARE && c.step() == step -> {
                    float[] whole = assembler.add(c);
                    if (whole != null) {
                        shares[c.stage()] = whole;
                    }
                }
                default -> { }
            }
        }
        long mask = 0;
        for (int s = 0; s < p; s++) {
            mask |= shares[s] == null ? 0 : 1L << s;
        }
        for (ActorRef<StageCommand> stage : stages) {
            for (int s = 0; s < p; s++) {
                if (shares[s] != null) {
                    TensorChunks.split(TensorKind.SHARE, s, step, 0, shares[s], chunkFloats).forEach(stage::tell);
                }
            }
            stage.tell(new ApplyStep(step, mask));
        }
        StageReport[] applied = new StageReport[p];
        for (int done = 0; done < p; ) {
            if (next(deadline, step, applied) instanceof StepApplied a && a.step() == step) {
                applied[a.stage()] = reports[a.stage()].withOptimizerNanos(a.nanos());
                done++;
            }
        }
        long wall = System.nanoTime() - start;
        return new StepResult(step, StepResult.meanLoss(applied[p - 1].losses()), wall, List.of(applied));
    }

    /**
     * The next event before {@code deadline}; a stage's failure, a lost stage node or the deadline stop training
     * ({@code pending}'s first empty entry names the stage that did not finish in time).
     */
    private Object next(long deadline, long step, Object[] pending) throws InterruptedException {
        Object e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (e == null) {
            int s = Arrays.asList(pending).indexOf(null);
            throw fail(new PipelineException(s, "did not finish step " + step + " within " + stepTimeout.toSeconds()
                    + " s", null));
        }
        if (e instanceof StageFailed f) {
            throw fail(new PipelineException(f.stage(), f.message(), null));
        }
        checkMembership(e);
        return e;
    }

    /** A copy of stage {@code stage}'s parameters (for checks and checkpoints). */
    public float[] parameters(int stage) throws InterruptedException {
        checkUsable();
        long request = nextRequest++;
        stages.get(stage).tell(new FetchParameters(request));
        TensorChunks assembler = new TensorChunks();
        long deadline = System.nanoTime() + stepTimeout.toNanos();
        while (true) {
            Object e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw fail(new PipelineException(stage, "did not send its parameters within "
                        + stepTimeout.toSeconds() + " s", null));
            }
            if (e instanceof TensorChunk c && c.kind() == TensorKind.PARAMETERS && c.stage() == stage
                    && c.step() == request) {
                float[] whole = assembler.add(c);
                if (whole != null) {
                    return whole;
                }
            } else {
                checkMembership(e);
            }
        }
    }

    private void checkMembership(Object event) {
        PeerLoss loss = PeerLoss.of(event);
        Integer s = loss == null ? null : stageOfNode.get(loss.address());
        if (s != null && s != 0) {
            throw fail(new PipelineException(s, "its node " + loss.address() + " " + loss.what(), null));
        }
    }

    private PipelineException fail(PipelineException e) {
        failed = e;
        // Stages still waiting for a neighbour give up instead of waiting for ever.
        Abort abort = new Abort("training stopped: " + e.getMessage());
        stages.forEach(s -> s.tell(abort));
        return e;
    }

    private void checkUsable() {
        if (failed != null) {
            throw new IllegalStateException("the pipeline failed earlier: " + failed.getMessage(), failed);
        }
    }

    /** Tells every stage node that training is over (the nodes stop); stage 0's node stays for its owner. */
    @Override
    public void close() {
        Stop stop = new Stop("training finished");
        for (int s = stages.size() - 1; s >= 0; s--) {
            stages.get(s).tell(stop);
        }
    }
}
