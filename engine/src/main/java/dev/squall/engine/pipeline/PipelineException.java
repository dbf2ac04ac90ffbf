package dev.squall.engine.pipeline;

/** A pipeline step failed; the message names the stage where it happened. */
public final class PipelineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int stage;
    private final String reason;

    /** A failure of stage {@code stage}, with a message that says what happened. */
    public PipelineException(int stage, String message, Throwable cause) {
        super("pipeline stage " + stage + ": " + message, cause);
        this.stage = stage;
        this.reason = message;
    }

    /** What happened, without the stage prefix of {@link #getMessage()}. */
    public String reason() {
        return reason;
    }

    /** The stage that failed. */
    public int stage() {
        return stage;
    }
}
