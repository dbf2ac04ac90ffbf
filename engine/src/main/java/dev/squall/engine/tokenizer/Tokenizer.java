package dev.squall.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.io.ByteArrayOutputStream;

/**
 * Text to token ids and back. A token stands for a sequence of bytes of UTF-8 text ({@link #bytes}); text is
 * the UTF-8 decoding of the concatenated bytes, so a character may span tokens (GPT-2's byte-level BPE splits
 * rare characters into bytes). {@link TextStream} turns tokens into text as they arrive.
 */
public interface Tokenizer {
    /** Number of token ids, {@code [0, vocabSize)}. */
    int vocabSize();

    /**
     * The ids of {@code text}.
     *
     * @throws IllegalArgumentException if the text holds something the vocabulary cannot express, named
     */
    int[] encode(String text);

    /** The UTF-8 bytes token {@code id} stands for. */
    byte[] bytes(int id);

    /** The text of {@code ids}; bytes that are not valid UTF-8 become U+FFFD, as Hugging Face decodes them. */
    default String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(bytes(id));
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(out.toByteArray()))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e); // REPLACE never throws
        }
    }
}
