package dev.squall.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.squall.cluster.StageProtocol.StageCommand;
import dev.squall.engine.pipeline.PipelineStage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * A cluster node holding one pipeline stage: a Pekko actor system bound to its address, joined to the seed
 * node, with the stage's actor registered under {@link #key(int)} so the driver finds it.
 */
public final class StageNode implements AutoCloseable {
    private final ActorSystem<Void> system;
    private final int stage;
    private final CompletableFuture<String> finished = new CompletableFuture<>();

    private StageNode(int stage, int stages, PipelineStage body, HostPort bind, HostPort seed, Config overrides) {
        this.stage = stage;
        Behavior<Void> guardian = Behaviors.setup(context -> {
            ActorRef<StageCommand> actor = context.spawn(StageActor.create(stage, stages, body, finished),
                    "stage-" + stage);
            context.getSystem().receptionist().tell(Receptionist.register(key(stage), actor));
            return Behaviors.empty();
        });
        this.system = ActorSystem.create(guardian, ClusterSettings.SYSTEM_NAME, ClusterSettings.of(bind, overrides));
        Cluster cluster = Cluster.get(system);
        Address join = seed == null ? cluster.selfMember().address() : ClusterSettings.address(seed);
        cluster.manager().tell(Join.create(join));
    }

    /**
     * Starts stage {@code stage} of {@code stages} on a node bound to {@code bind} that joins the seed node
     * {@code seed} ({@code null}: this node is the seed, as stage 0's is).
     */
    public static StageNode start(int stage, int stages, PipelineStage body, HostPort bind, HostPort seed,
            Config overrides) {
        if (stage < 0 || stage >= stages) {
            throw new IllegalArgumentException("--stage: must be between 0 and " + (stages - 1) + ", got " + stage);
        }
        return new StageNode(stage, stages, body, bind, seed, overrides);
    }

    /** {@link #start} with Pekko's settings as they are. */
    public static StageNode start(int stage, int stages, PipelineStage body, HostPort bind, HostPort seed) {
        return start(stage, stages, body, bind, seed, ConfigFactory.empty());
    }

    /** The receptionist key of stage {@code stage}'s actor. */
    public static ServiceKey<StageCommand> key(int stage) {
        return ServiceKey.create(StageCommand.class, "squall-stage-" + stage);
    }

    /** The stage index. */
    public int stage() {
        return stage;
    }

    /** The address this node listens on (with the port it got when bound to port 0). */
    public HostPort address() {
        Address a = Cluster.get(system).selfMember().address();
        return new HostPort(a.getHost().orElseThrow(), a.getPort().orElseThrow());
    }

    /** Waits until this node is an up member of the cluster. */
    public void awaitUp(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Cluster cluster = Cluster.get(system);
        while (cluster.selfMember().status() != MemberStatus.up()) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("stage " + stage + " did not join the cluster within " + timeout.toSeconds()
                        + " s");
            }
            Thread.sleep(20);
        }
    }

    /**
     * Completes when the driver stops this stage (with the driver's reason), or exceptionally with a
     * {@code PipelineException} naming the stage whose node left or became unreachable.
     */
    public CompletableFuture<String> finished() {
        return finished;
    }

    ActorSystem<Void> system() {
        return system;
    }

    /** Leaves the cluster and stops the actor system (waits up to 30 s). */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // terminating anyway; nothing more to do
        }
    }
}
