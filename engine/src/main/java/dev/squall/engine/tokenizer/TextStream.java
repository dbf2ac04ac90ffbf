package dev.squall.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Tokens to text as they are generated: each token's bytes go through one UTF-8 decoder, which returns the
 * complete characters so far and keeps an incomplete one for the next token, so a character split over
 * several byte-level tokens is printed once whole. Invalid bytes become U+FFFD.
 */
public final class TextStream {
    private final Tokenizer tokenizer;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);

    /** A stream decoding tokens of {@code tokenizer}. */
    public TextStream(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text completed by token {@code id} (possibly empty). */
    public String push(int id) {
        byte[] b = tokenizer.bytes(id);
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + b.length);
        in.put(pending).put(b).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        pending = in;
        return out.flip().toString();
    }

    /** What is left at the end: an incomplete character as U+FFFD. */
    public String finish() {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        pending = ByteBuffer.allocate(0);
        decoder.reset();
        return out.flip().toString();
    }
}
