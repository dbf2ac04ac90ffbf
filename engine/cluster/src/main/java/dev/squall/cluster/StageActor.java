package dev.squall.cluster;

import dev.squall.cluster.StageProtocol.Abort;
import dev.squall.cluster.StageProtocol.ApplyStep;
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
import dev.squall.engine.pipeline.Mailbox;
import dev.squall.engine.pipeline.PipelineException;
import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.pipeline.Schedule;
import dev.squall.engine.pipeline.StageLink;
import dev.squall.engine.pipeline.StageReport;
import dev.squall.engine.pipeline.StageRunner;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A pipeline stage on a cluster node. The actor only moves messages: arriving tensor chunks are put together
 * into the stage's {@link Mailbox}es, and the schedule itself runs on the stage's own worker thread (a
 * {@link StageRunner}, as in one JVM), which sends its outputs to the neighbours' actors in chunks.
 */
final class StageActor extends AbstractBehavior<StageCommand> {

    /** A membership event, delivered locally (never crosses nodes). */
    private record Membership(Object event) implements StageCommand {}

    private final int stage;
    private final StageRunner runner;
    private final CompletableFuture<String> finished;
    private final int chunkFloats;
    private final ExecutorService worker;
    private final Mailbox activations;
    private final Mailbox gradients;
    private final TensorChunks assembler = new TensorChunks();
    private final Map<Address, Integer> peers = new HashMap<>();
    private final Map<Integer, float[]> shares = new HashMap<>();
    private volatile Wire wire;

    static Behavior<StageCommand> create(int stage, int stages, PipelineStage body,
            CompletableFuture<String> finished) {
        return Behaviors.setup(context -> new StageActor(context, stage, stages, body, finished));
    }

    private StageActor(ActorContext<StageCommand> context, int stage, int stages, PipelineStage body,
            CompletableFuture<String> finished) {
        super(context);
        this.stage = stage;
        this.runner = new StageRunner(stage, stages, body);
        this.finished = finished;
        this.chunkFloats = ClusterSettings.chunkFloats(context.getSystem().settings().config());
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "squall-stage-" + stage);
            t.setDaemon(true);
            return t;
        });
        this.activations = new Mailbox("stage " + stage + " activations");
        this.gradients = new Mailbox("stage " + stage + " gradients");
        PeerLoss.subscribe(context, Membership::new);
    }

    @Override
    public Receive<StageCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(TensorChunk.class, this::onChunk)
                .onMessage(RunStep.class, this::onRunStep)
                .onMessage(ApplyStep.class, this::onApplyStep)
                .onMessage(Wire.class, this::onWire)
                .onMessage(FetchParameters.class, this::onFetch)
                .onMessage(Abort.class, this::onAbort)
                .onMessage(Stop.class, this::onStop)
                .onMessage(Membership.class, this::onMembership)
                .onSignal(PostStop.class, s -> {
                    worker.shutdownNow();
                    return this;
                })
                .build();
    }

    private Behavior<StageCommand> onWire(Wire w) {
        wire = w;
        peers.clear();
        if (w.previous() != null) {
            peers.put(PeerLoss.addressOf(w.previous(), getContext()), stage - 1);
        }
        if (w.next() != null) {
            peers.put(PeerLoss.addressOf(w.next(), getContext()), stage + 1);
        }
        peers.putIfAbsent(PeerLoss.addressOf(w.driver(), getContext()), 0);     // the driver runs on stage 0's node
        peers.remove(PeerLoss.addressOf(getContext().getSelf(), getContext()));
        return this;
    }

    private Behavior<StageCommand> onChunk(TensorChunk chunk) {
        float[] whole = assembler.add(chunk);
        if (whole == null) {
            return this;
        }
        switch (chunk.kind()) {
            case ACTIVATION -> activations.put(chunk.microBatch(), whole);
            case GRADIENT -> gradients.put(chunk.microBatch(), whole);
            case SHARE -> shares.put(chunk.stage(), whole);
            case PARAMETERS -> throw new IllegalStateException("stage " + stage + " got parameter chunks");
        }
        return this;
    }

    private Behavior<StageCommand> onRunStep(RunStep run) {
        Wire w = wire;
        Schedule schedule = Schedule.parse(run.schedule());
        worker.execute(() -> {
            try {
                StageReport r = runner.runSchedule(run.step(), schedule, run.microBatches(), link(w, run.step()));
                if (r.share() != null) {
                    for (TensorChunk c : TensorChunks.split(TensorKind.SHARE, stage, run.step(), 0, r.share(),
                            chunkFloats)) {
                        w.driver().tell(c);
                    }
                }
                w.driver().tell(new StageDone(stage, run.step(), r.busyNanos(), r.windowNanos(),
                        r.peakSavedMicroBatches(), r.peakSavedBytes(), r.activationBytesSent(),
                        r.gradientBytesSent(), r.losses()));
            } catch (PipelineException e) {
                w.driver().tell(new StageFailed(e.stage(), run.step(), e.reason()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                w.driver().tell(new StageFailed(stage, run.step(), String.valueOf(e)));
            }
        });
        return this;
    }

    private Behavior<StageCommand> onApplyStep(ApplyStep apply) {
        Wire w = wire;
        float[][] all = new float[w.stages()][];
        for (int s = 0; s < all.length; s++) {
            if ((apply.sharedStages() >>> s & 1) != 0) {
                all[s] = shares.remove(s);
                if (all[s] == null) {
                    w.driver().tell(new StageFailed(stage, apply.step(), "stage " + s + "'s share did not arrive"));
                    return this;
                }
            }
        }
        worker.execute(() -> {
            try {
                w.driver().tell(new StepApplied(stage, apply.step(), runner.finishStep(all)));
            } catch (RuntimeException | Error e) {
                w.driver().tell(new StageFailed(stage, apply.step(), String.valueOf(e)));
            }
        });
        return this;
    }

    private Behavior<StageCommand> onFetch(FetchParameters fetch) {
        Wire w = wire;
        worker.execute(() -> {
            for (TensorChunk c : TensorChunks.split(TensorKind.PARAMETERS, stage, fetch.request(), 0,
                    runner.body().parameters(), chunkFloats)) {
                w.driver().tell(c);
            }
        });
        return this;
    }

    private Behavior<StageCommand> onAbort(Abort abort) {
        fail(new PipelineException(stage, abort.reason(), null));
        return this;
    }

    private Behavior<StageCommand> onStop(Stop stop) {
        finished.complete(stop.reason());
        return Behaviors.stopped();
    }

    private Behavior<StageCommand> onMembership(Membership m) {
        PeerLoss loss = PeerLoss.of(m.event());
        Integer lost = loss == null ? null : peers.get(loss.address());
        if (lost != null) {
            PipelineException e = new PipelineException(lost, "its node " + loss.address() + " " + loss.what(), null);
            fail(e);
            finished.completeExceptionally(e);
        }
        return this;
    }

    private void fail(PipelineException e) {
        assembler.clear();
        activations.fail(e);
        gradients.fail(e);
    }

    private StageLink link(Wire w, long step) {
        return new StageLink() {
            @Override
            public float[] receiveActivation(int microBatch) throws InterruptedException {
                return activations.take(microBatch);
            }

            @Override
            public float[] receiveGradient(int microBatch) throws InterruptedException {
                return gradients.take(microBatch);
            }

            @Override
            public void sendActivation(int microBatch, float[] activation) {
                send(w.next(), TensorKind.ACTIVATION, microBatch, activation);
            }

            @Override
            public void sendGradient(int microBatch, float[] gradient) {
                send(w.previous(), TensorKind.GRADIENT, microBatch, gradient);
            }

            private void send(ActorRef<StageCommand> to, TensorKind kind, int microBatch, float[] tensor) {
                for (TensorChunk c : TensorChunks.split(kind, stage, step, microBatch, tensor, chunkFloats)) {
                    to.tell(c);
                }
            }
        };
    }
}
