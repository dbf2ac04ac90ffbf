package dev.squall.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.apache.pekko.actor.Address;

/** The Pekko settings of a stage node: cluster provider, Artery TCP, the pipeline serializer, failure detection. */
public final class ClusterSettings {
    /** Every node's actor system has this name; nodes of one pipeline must share it. */
    public static final String SYSTEM_NAME = "squall";

    private static final String BASE = """
            pekko {
              loglevel = WARNING
              stdout-loglevel = WARNING
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor {
                provider = cluster
                allow-java-serialization = off
                serializers { squall-pipeline = "dev.squall.cluster.PipelineSerializer" }
                serialization-bindings { "dev.squall.cluster.PipelineMessage" = squall-pipeline }
              }
              remote.artery {
                transport = tcp
              }
              cluster {
                jmx.enabled = off
                log-info = off
                # a pipeline is a handful of nodes: gossip often, so joins, leaves and stage discovery take
                # a fraction of a second instead of seconds
                gossip-interval = 200 ms
                leader-actions-interval = 200 ms
                typed.receptionist.distributed-data {
                  gossip-interval = 200 ms
                  notify-subscribers-interval = 100 ms
                }
                # how long a silent node may go before it counts as unreachable (and training stops)
                failure-detector.heartbeat-interval = 500 ms
                failure-detector.acceptable-heartbeat-pause = 3 s
              }
              coordinated-shutdown {
                exit-jvm = off
                # a node whose neighbour is gone should not wait long to leave
                phases.cluster-leave.timeout = 3 s
                phases.cluster-exiting.timeout = 3 s
              }
            }
            """;

    private ClusterSettings() {}

    /**
     * The settings of a node bound to {@code bind}: {@code overrides} first, then Java system properties
     * ({@code -Dpekko.remote.artery.advanced.maximum-frame-size=64KiB}), then Squall's, then Pekko's defaults.
     */
    public static Config of(HostPort bind, Config overrides) {
        return overrides
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(bind.host()))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(bind.port()))
                .withFallback(ConfigFactory.defaultOverrides())
                .withFallback(ConfigFactory.parseString(BASE))
                .withFallback(ConfigFactory.defaultReference());
    }

    /** The cluster address of the node bound to {@code node}. */
    public static Address address(HostPort node) {
        return new Address("pekko", SYSTEM_NAME, node.host(), node.port());
    }

    /**
     * The most floats one chunk carries: the frame size less room for the message's header and Artery's envelope.
     */
    public static int chunkFloats(Config config) {
        long frame = config.getBytes("pekko.remote.artery.advanced.maximum-frame-size");
        return (int) Math.max(1, (frame - 1024) / 4);
    }
}
