package dev.squall.engine.io;

import java.io.IOException;

/**
 * A {@code .safetensors} file that cannot be read: truncated, a malformed or oversized header, a tensor whose
 * dtype, shape or data offsets are wrong. The message starts with the file and names the tensor or header field.
 */
public class SafetensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An exception with the message {@code source + ": " + problem}. */
    public SafetensorsFormatException(String source, String problem) {
        super(source + ": " + problem);
    }

    /** The same, with the exception that revealed the problem. */
    public SafetensorsFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
