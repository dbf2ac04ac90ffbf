package dev.squall.cluster;

import org.apache.pekko.actor.typed.ActorRef;

/** The messages between the driver (on stage 0's node) and the stage actors. */
public final class StageProtocol {
    private StageProtocol() {}

    /** What a stage actor receives. */
    public interface StageCommand {}

    /** What the driver receives. */
    public interface DriverEvent {}

    /** The kinds of tensor that travel in chunks. */
    public enum TensorKind { ACTIVATION, GRADIENT, PARAMETERS, SHARE }

    /**
     * Tells a stage its neighbours (either may be {@code null} at the ends) and where to report.
     */
    public record Wire(int stages, ActorRef<StageCommand> previous, ActorRef<StageCommand> next,
            ActorRef<DriverEvent> driver) implements StageCommand, PipelineMessage {}

    /** Runs one step of the schedule named by its flag ({@code gpipe} or {@code 1f1b}). */
    public record RunStep(long step, int microBatches, String schedule) implements StageCommand, PipelineMessage {}

    /**
     * Ends step {@code step} on a stage: the SHARE chunks sent before this carry the shares of the stages in
     * {@code sharedStages} (bit s set: stage s shared something); the stage applies them and its optimizer.
     */
    public record ApplyStep(long step, long sharedStages) implements StageCommand, PipelineMessage {}

    /** A stage applied its optimizer for {@code step} in {@code nanos}. */
    public record StepApplied(int stage, long step, long nanos) implements DriverEvent, PipelineMessage {}

    /** Asks a stage for its parameters (answered with PARAMETERS chunks to the driver). */
    public record FetchParameters(long request) implements StageCommand, PipelineMessage {}

    /** Makes a stage give up the step it runs (its waits fail with {@code reason}). */
    public record Abort(String reason) implements StageCommand, PipelineMessage {}

    /** Stops a stage node: training has ended. */
    public record Stop(String reason) implements StageCommand, PipelineMessage {}

    /**
     * One piece of a tensor: elements {@code [offset, offset + data.length)} of {@code totalLength}; pieces of one
     * tensor travel in order from one sender.
     */
    public record TensorChunk(TensorKind kind, int stage, long step, int microBatch, int offset, int totalLength,
            float[] data) implements StageCommand, DriverEvent, PipelineMessage {}

    /** A stage ran its part of a step's schedule; the fields are those of {@code StageReport}. */
    public record StageDone(int stage, long step, long busyNanos, long windowNanos,
            int peakSavedMicroBatches, long peakSavedBytes, long activationBytesSent, long gradientBytesSent,
            float[] losses) implements DriverEvent, PipelineMessage {}

    /** A stage failed a step. */
    public record StageFailed(int stage, long step, String message) implements DriverEvent, PipelineMessage {}
}
