package dev.squall.engine.model;

/**
 * How the next token is chosen from the logits: the most likely one ({@code greedy}), or drawn from the softmax
 * of {@code logits / temperature}, restricted to the {@code topK} most likely tokens (0: all) and then to the
 * smallest set of most likely tokens whose probability reaches {@code topP} (1: all), with a random stream
 * seeded by {@code seed}: the same seed and logits give the same tokens.
 *
 * @param greedy      take the most likely token (ties: the lowest id); the other fields are then unused
 * @param temperature divides the logits, {@code > 0}
 * @param topK        keep the {@code topK} most likely tokens, 0 for all
 * @param topP        nucleus: keep the most likely tokens until their probability reaches {@code topP}, in
 *                    {@code (0, 1]}
 * @param seed        the random stream's seed
 */
public record Sampling(boolean greedy, double temperature, int topK, double topP, long seed) {
    /** nanoGPT's sample.py default seed. */
    public static final long DEFAULT_SEED = 1337;

    /** Checks the parameters. */
    public Sampling {
        if (!greedy) {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("--temperature must be > 0 (or use --greedy), got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("--top-k must be >= 0 (0: no limit), got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
            }
        }
    }

    /** Always the most likely token. */
    public static Sampling greedyDecoding() {
        return new Sampling(true, 1, 0, 1, DEFAULT_SEED);
    }

    /** Drawn with these parameters. */
    public static Sampling of(double temperature, int topK, double topP, long seed) {
        return new Sampling(false, temperature, topK, topP, seed);
    }
}
