package dev.squall.benchmarks.peer;

/** A peer cannot run on this machine; the message says why in one line (the bench prints it and goes on). */
public final class PeerUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The peer cannot run, because {@code reason}. */
    public PeerUnavailableException(String reason) {
        super(reason);
    }
}
