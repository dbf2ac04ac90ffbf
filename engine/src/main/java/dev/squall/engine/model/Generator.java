package dev.squall.engine.model;

import dev.squall.engine.graph.ExecutionPlan;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.layers.AttentionOp;
import dev.squall.engine.layers.QkvLayout;
import dev.squall.engine.layers.Sequences;
import dev.squall.engine.layers.pattern.WindowPattern;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Generation for a model: a KV cache of {@code block_size} positions, a prefill graph per prompt length (the fused
 * forward, appending every layer's keys and values to the cache, logits of the last token only) and one decode
 * graph (one token at {@code positions[0]}: append, attention over the cache, logits). The decode plan is made
 * after each prefill, so that a device backend takes the cache the prefill left (the cache goes to the device on
 * the plan's first execution). A model keeps one generator, so repeated generations reuse its graphs and cache.
 */
final class Generator implements AutoCloseable {
    private final GptModel model;
    private final GptConfig config;
    private final KvCache cache;
    private final int window;
    /** Prefill plans by prompt length, the two used last (the prompt's and the context shift's). */
    private final Map<Integer, Prefill> prefills = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Prefill> eldest) {
            boolean full = size() > 2;
            if (full) {
                Plans.release(eldest.getValue().plan());
            }
            return full;
        }
    };
    private GptNetwork.Forward decode;
    private ExecutionPlan decodePlan;
    private Profile prefillProfile;
    private Profile stepProfile;

    private record Prefill(GptNetwork.Forward forward, ExecutionPlan plan) {
    }

    Generator(GptModel model) {
        this.model = model;
        this.config = model.config();
        this.window = window(model.options(), config.blockSize());
        this.cache = new KvCache(model.options().kv(), config.nLayer(), config.blockSize(), config.nHead(),
                config.headDim());
    }

    /** The attention window of decoding: dense (the whole cache) or {@code local:W}. */
    static int window(GptModel.Options options, int capacity) {
        if (options.pattern() == null) {
            return capacity;
        }
        if (options.pattern() instanceof WindowPattern w && w.kind().equals("local")) {
            return w.radius();
        }
        throw new IllegalArgumentException(options.pattern().spec() + ": generation with a KV cache "
                + "supports dense attention and local:W; other patterns run in lm logits only");
    }

    /** Generates after {@code prompt}, choosing tokens with {@code sampler}. */
    Generation run(int[] prompt, int maxNewTokens, Sampler sampler, IntConsumer onToken) {
        prefillProfile = null;
        stepProfile = null;
        int block = config.blockSize();
        int[] context = prompt.length > block ? Arrays.copyOfRange(prompt, prompt.length - block, prompt.length)
                : prompt.clone();
        int[] all = Arrays.copyOf(context, context.length + maxNewTokens);
        int length = context.length;
        prefills.computeIfAbsent(context.length, this::prefillGraph); // graphs and plans are made untimed
        long start = System.nanoTime();
        float[] logits = prefill(context);
        long prefillNanos = System.nanoTime() - start;
        if (maxNewTokens > 1) {
            decodePlan();
        }
        start = System.nanoTime();
        int position = context.length;
        int shifts = 0;
        int[] out = new int[maxNewTokens];
        for (int n = 0; n < maxNewTokens; n++) {
            int next = sampler.next(logits, 0, config.vocabSize());
            out[n] = next;
            all[length++] = next;
            onToken.accept(next);
            if (n == maxNewTokens - 1) {
                break;
            }
            if (position < block) {
                logits = decode(next, position++);
            } else {
                int keep = Math.max(1, block / 2);
                logits = prefill(Arrays.copyOfRange(all, length - keep, length));
                position = keep;
                shifts++;
            }
        }
        return new Generation(out, context.length, prefillNanos, System.nanoTime() - start, shifts, prefillProfile,
                stepProfile);
    }

    /** Releases the plans (device memory on a device backend). */
    @Override
    public void close() {
        Plans.release(decodePlan);
        prefills.values().forEach(p -> Plans.release(p.plan()));
    }

    /** Prefills {@code tokens} at positions 0.. into the cache; the logits of the last one. */
    float[] prefill(int[] tokens) {
        Prefill p = prefills.computeIfAbsent(tokens.length, this::prefillGraph);
        System.arraycopy(tokens, 0, p.forward().tokens(), 0, tokens.length);
        Profile profile = p.plan().execute();
        if (prefillProfile == null) {
            prefillProfile = profile;
        }
        Plans.release(decodePlan);
        decodePlan = null;
        return p.forward().logits();
    }

    private Prefill prefillGraph(int n) {
        Sequences seqs = Sequences.uniform(1, n);
        AttentionOp op = model.attention(seqs);
        int c = config.nEmbd();
        GptNetwork.Forward f = model.network().forward("gpt-prefill-" + n, seqs, true,
                (g, name, layer, qkv, out, positions) -> {
                    op.addTo(g, name, QkvLayout.packed(qkv, c), out, seqs, config.nHead(), config.headDim(), true);
                    cache.addAppend(g, name + ".kv", layer, qkv, n, positions);
                }, List.of(), cache.arrays());
        for (int i = 0; i < n; i++) {
            f.positions()[i] = i;
        }
        return new Prefill(f, model.backend().plan(f.graph()));
    }

    /** Runs token {@code token} at {@code position} through the decode graph; its logits. */
    float[] decode(int token, int position) {
        decodePlan();
        decode.tokens()[0] = token;
        decode.positions()[0] = position;
        stepProfile = decodePlan.execute();
        return decode.logits();
    }

    /**
     * The decode graph, made once, and its plan, made again after every prefill: a device backend copies the KV
     * cache in on a plan's first execution, so a plan made before the prefill would hold a stale cache.
     */
    private void decodePlan() {
        if (decode == null) {
            decode = model.network().forward("gpt-decode", Sequences.uniform(1, 1), false,
                    (g, name, layer, qkv, out, positions) -> {
                        cache.addAppend(g, name + ".kv", layer, qkv, 1, positions);
                        cache.addAttention(g, name, layer, qkv, out, 1, positions, window);
                    }, cache.arrays(), List.of());
        }
        if (decodePlan == null) {
            decodePlan = model.backend().plan(decode.graph());
        }
    }
}
