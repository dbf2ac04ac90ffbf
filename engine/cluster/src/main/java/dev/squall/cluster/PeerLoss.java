package dev.squall.cluster;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/** A cluster node that left or became unreachable, from Pekko's membership events. */
public record PeerLoss(Address address, String what) {

    /** The loss an event reports, or {@code null} when it reports none (a node joining, coming back). */
    public static PeerLoss of(Object event) {
        return switch (event) {
            case ClusterEvent.UnreachableMember u -> new PeerLoss(u.member().address(), "became unreachable");
            case ClusterEvent.MemberLeft m -> new PeerLoss(m.member().address(), "left the cluster");
            case ClusterEvent.MemberExited m -> new PeerLoss(m.member().address(), "left the cluster");
            case ClusterEvent.MemberDowned m -> new PeerLoss(m.member().address(), "was downed");
            case ClusterEvent.MemberRemoved m -> new PeerLoss(m.member().address(), "was removed from the cluster");
            default -> null;
        };
    }

    /** Subscribes {@code context}'s actor to membership and reachability events, each mapped by {@code wrap}. */
    public static <T> void subscribe(ActorContext<T> context, java.util.function.Function<Object, T> wrap) {
        ActorRef<ClusterEvent.MemberEvent> members = context.messageAdapter(ClusterEvent.MemberEvent.class,
                wrap::apply);
        ActorRef<ClusterEvent.ReachabilityEvent> reach = context.messageAdapter(ClusterEvent.ReachabilityEvent.class,
                wrap::apply);
        Cluster cluster = Cluster.get(context.getSystem());
        cluster.subscriptions().tell(Subscribe.create(members, ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(reach, ClusterEvent.ReachabilityEvent.class));
    }

    /** The cluster address of {@code ref}, with a local reference given its node's own address. */
    public static Address addressOf(ActorRef<?> ref, ActorContext<?> context) {
        Address a = ref.path().address();
        return a.hasLocalScope() ? Cluster.get(context.getSystem()).selfMember().address() : a;
    }
}
