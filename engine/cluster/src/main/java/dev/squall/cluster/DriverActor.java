package dev.squall.cluster;

import java.util.concurrent.BlockingQueue;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The driver's mailbox on stage 0's node: stage reports, parameter chunks, receptionist listings and membership
 * events all go into one queue, which {@link ClusterPipeline} reads on its own thread.
 */
final class DriverActor {
    private DriverActor() {}

    static Behavior<Object> create(BlockingQueue<Object> queue, int stages) {
        return Behaviors.setup(context -> {
            ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, l -> l);
            for (int s = 0; s < stages; s++) {
                context.getSystem().receptionist().tell(Receptionist.subscribe(StageNode.key(s), listings));
            }
            PeerLoss.subscribe(context, e -> e);
            return Behaviors.receiveMessage(message -> {
                queue.add(message);
                return Behaviors.same();
            });
        });
    }
}
