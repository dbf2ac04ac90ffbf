package dev.squall.engine.train;

import dev.squall.engine.model.GptModel;

/**
 * The teacher of knowledge distillation: logits of a batch's inputs, computed when the step needs them (forward only)
 * and consumed by that step, never stored for the dataset.
 */
public interface Teacher {
    /** The vocabulary size (must equal the student's). */
    int vocabSize();

    /** Logits {@code [B·T, V]} of {@code tokens} ({@code [B, T]} row-major). */
    float[] logits(int[] tokens, int batch, int length);

    /** A teacher running {@code model}'s inference forward (any weight format and backend the model was loaded with). */
    static Teacher of(GptModel model) {
        return new Teacher() {
            @Override
            public int vocabSize() {
                return model.config().vocabSize();
            }

            @Override
            public float[] logits(int[] tokens, int batch, int length) {
                return model.logits(tokens, batch, length);
            }
        };
    }
}
