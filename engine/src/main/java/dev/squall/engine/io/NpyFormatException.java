package dev.squall.engine.io;

import java.io.IOException;

/**
 * A {@code .npy} or {@code .npz} file that cannot be read: not a NumPy file, an unsupported dtype or layout, or
 * truncated or corrupt data. The message always starts with the file (or other source) it is about.
 */
public class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;

    /**
     * An exception with the message {@code source + ": " + problem}.
     *
     * @param source  the file or other source that is wrong, e.g. a path or {@code "weights.npz:layer0/w"}
     * @param problem what is wrong with it
     */
    public NpyFormatException(String source, String problem) {
        this(source, problem, null);
    }

    /**
     * An exception with the message {@code source + ": " + problem} and the exception that revealed it.
     *
     * @param source  the file or other source that is wrong
     * @param problem what is wrong with it
     * @param cause   the lower-level exception that revealed the problem, or {@code null}
     */
    public NpyFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
        this.source = source;
    }

    /** The file or other source the problem is in. */
    public String source() {
        return source;
    }
}
