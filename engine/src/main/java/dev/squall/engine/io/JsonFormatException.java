package dev.squall.engine.io;

import java.io.IOException;

/** Text that is not the JSON expected: a syntax error (with its character offset) or a value of the wrong kind. */
public class JsonFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An exception with the message {@code source + ": " + problem}. */
    public JsonFormatException(String source, String problem) {
        super(source + ": " + problem);
    }
}
