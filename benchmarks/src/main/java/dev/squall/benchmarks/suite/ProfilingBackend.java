package dev.squall.benchmarks.suite;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.engine.layers.GemmTiles;
import dev.squall.engine.layers.GemmTilesPreference;

import java.util.ArrayList;
import java.util.List;

/**
 * A backend that keeps the profile of the last execution of every plan it makes, for {@code squall bench
 * --profile}: the suites time their plans as usual, and the profiles are printed once they are done, so
 * printing costs no timed run anything.
 */
public final class ProfilingBackend implements Backend, GemmTilesPreference {
    private final Backend backend;
    private final List<Recording> plans = new ArrayList<>();

    /** Wraps {@code backend}, which this closes when closed. */
    public ProfilingBackend(Backend backend) {
        this.backend = backend;
    }

    /** The backend that runs the plans. */
    public Backend delegate() {
        return backend;
    }

    /** The wrapped backend's GEMM tiles, so that profiled graphs are the graphs it would run. */
    @Override
    public GemmTiles gemmTiles() {
        return GemmTilesPreference.of(backend);
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public String description() {
        return backend.description();
    }

    @Override
    public ExecutionPlan plan(List<TaskGraph> graphs) {
        Recording plan = new Recording(backend.plan(graphs));
        plans.add(plan);
        return plan;
    }

    /** The last profile of every plan executed at least once, in the order the plans were made. */
    public List<Profile> lastProfiles() {
        return plans.stream().filter(p -> p.last != null).map(p -> p.last).toList();
    }

    @Override
    public void close() {
        backend.close();
    }

    /** A plan that remembers its last profile. */
    private static final class Recording implements ExecutionPlan {
        private final ExecutionPlan plan;
        private Profile last;

        Recording(ExecutionPlan plan) {
            this.plan = plan;
        }

        @Override
        public List<TaskGraph> graphs() {
            return plan.graphs();
        }

        @Override
        public Profile execute() {
            last = plan.execute();
            return last;
        }

        @Override
        public int executions() {
            return plan.executions();
        }
    }
}
