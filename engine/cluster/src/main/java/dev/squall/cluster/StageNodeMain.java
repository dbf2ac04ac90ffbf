package dev.squall.cluster;

import dev.squall.engine.pipeline.PipelineStage;
import dev.squall.engine.pipeline.StageBalance;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Starts a stage node and keeps it until the driver stops it (exit 0) or a neighbour or the driver is lost
 * (exit 1, naming the stage); bad flags exit 2. Stage 0 drives training and is started by the training command,
 * not here.
 */
public final class StageNodeMain {
    private StageNodeMain() {}

    /** The node's entry point. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a node; returns the exit status. */
    public static int run(String... args) {
        NodeOptions options;
        PipelineStage body;
        try {
            options = NodeOptions.parse(args);
            if (options.stage() == 0) {
                throw new IllegalArgumentException("--stage: stage 0 drives training; start it with squall lm train");
            }
            body = factory(options.factory()).create(options.stage(), options.stages(),
                    options.stageLayers() == null ? null
                            : StageBalance.parseCounts(options.stageLayers(), options.stages()));
        } catch (IllegalArgumentException e) {
            System.err.println("squall: " + e.getMessage());
            return 2;
        }
        try (StageNode node = StageNode.start(options.stage(), options.stages(), body, options.bind(),
                options.seed())) {
            node.awaitUp(Duration.ofSeconds(options.joinTimeoutSeconds()));
            System.err.println("squall: stage " + options.stage() + " of " + options.stages() + " up at "
                    + node.address() + ", seed " + options.seed());
            String reason = node.finished().get();
            System.err.println("squall: stage " + options.stage() + " stopped: " + reason);
            return 0;
        } catch (ExecutionException e) {
            System.err.println("squall: " + e.getCause().getMessage());
            return 1;
        } catch (TimeoutException e) {
            System.err.println("squall: " + e.getMessage() + " (seed " + options.seed() + ")");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static StageFactory factory(String className) {
        try {
            return (StageFactory) Class.forName(className).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("--stage-factory: cannot make a StageFactory from '" + className
                    + "': " + e);
        }
    }
}
