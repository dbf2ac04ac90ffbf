package dev.squall.engine.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** A stream that fails like a full disk or a file-size limit: for tests of what a failed write leaves behind. */
public final class FailingOutput {
    private FailingOutput() {
    }

    /** {@code out}, which takes {@code limit} bytes and then throws an {@link IOException} with {@code message}. */
    public static OutputStream after(OutputStream out, long limit, String message) {
        return new FilterOutputStream(out) {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > limit) {
                    out.write(b, off, (int) Math.max(0, limit - written));
                    written = limit;
                    throw new IOException(message);
                }
                out.write(b, off, len);
                written += len;
            }
        };
    }
}
