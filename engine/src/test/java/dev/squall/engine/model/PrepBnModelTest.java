package dev.squall.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.JsonFormatException;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Subject;
import dev.squall.tasks.testing.Tolerance;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PRepBN models: the config fields, the checkpoint names, the inference model (RepBN with running statistics)
 * against {@link ReferenceGpt} (float64) within {@code 1e-5} of each logit's scale, and the folded model
 * ({@link PrepBnFold}) against the same reference and against the unfolded model, with running statistics far from
 * (0, 1), α far from 1 and no biases in the original (folding adds them).
 */
class PrepBnModelTest {
    @Test
    void configFieldsParseAndLayerNormConfigsStayNanoGpt() throws Exception {
        GptConfig plain = GptConfig.of(11, 8, 2, 2, 8, true, 0);
        assertFalse(plain.toJson().contains("norm"), plain.toJson());
        assertEquals(plain, GptConfig.parse(plain.toJson(), "c"));
        GptConfig prepbn = plain.withNorm(NormKind.PREPBN, 100, 400);
        assertTrue(prepbn.toJson().contains("\"norm\":\"prepbn\"") || prepbn.toJson().contains("\"norm\": \"prepbn\""),
                prepbn.toJson());
        assertEquals(prepbn, GptConfig.parse(prepbn.toJson(), "c"));
        GptConfig folded = plain.withNorm(NormKind.FOLDED, 0, 0);
        assertEquals(folded, GptConfig.parse(folded.toJson(), "c"));
        assertEquals(1f, prepbn.prepbnLambda(99));
        assertEquals(1f, prepbn.prepbnLambda(100));
        assertEquals(0.75f, prepbn.prepbnLambda(200));
        assertEquals(0f, prepbn.prepbnLambda(500));
        String base = plain.toJson().replace("}", "");
        JsonFormatException e = assertThrows(JsonFormatException.class,
                () -> GptConfig.parse(base + ", \"norm\": \"batchnorm\"}", "c.json"));
        assertTrue(e.getMessage().contains("norm") && e.getMessage().contains("prepbn"), e.getMessage());
        e = assertThrows(JsonFormatException.class, () -> GptConfig.parse(base + ", \"prepbn_steps\": -3}", "c.json"));
        assertTrue(e.getMessage().contains("prepbn_steps"), e.getMessage());
        e = assertThrows(JsonFormatException.class, () -> GptConfig.parse(base + ", \"prepbn_warmup\": 1.5}", "c.json"));
        assertTrue(e.getMessage().contains("prepbn_warmup"), e.getMessage());
    }

    @Test
    void checkpointNamesOfPrepBn() {
        GptConfig config = GptConfig.of(11, 8, 1, 2, 8, false, 0).withNorm(NormKind.PREPBN, 0, 0);
        Map<String, int[]> shapes = GptWeights.shapes(config);
        for (String name : new String[] {"transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bn.weight",
                "transformer.h.0.ln_1.bn.bias", "transformer.h.0.ln_1.bn.running_mean",
                "transformer.h.0.ln_1.bn.running_var", "transformer.h.0.ln_1.alpha", "transformer.h.0.ln_2.alpha",
                "transformer.ln_f.bn.running_var"}) {
            assertTrue(shapes.containsKey(name), name);
        }
        assertFalse(shapes.containsKey("transformer.h.0.ln_1.bias"));
        Map<String, NdArray> tensors = new LinkedHashMap<>(GptWeights.random(config, 3).tensors());
        tensors.put("transformer.h.0.ln_1.bn.num_batches_tracked", NdArray.of(new long[] {7}));
        GptWeights.of(config, tensors);
        tensors.remove("transformer.h.0.ln_2.alpha");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GptWeights.of(config, tensors));
        assertTrue(e.getMessage().contains("transformer.h.0.ln_2.alpha"), e.getMessage());
        GptConfig folded = config.withNorm(NormKind.FOLDED, 0, 0);
        assertFalse(GptWeights.shapes(folded).containsKey("transformer.h.0.ln_1.bn.weight"));
        assertTrue(GptWeights.shapes(folded).containsKey("transformer.ln_f.alpha"));
    }

    @Test
    void foldedLogitsEqualUnfolded() {
        RandomArrays rnd = RandomArrays.fresh();
        for (boolean bias : new boolean[] {true, false}) {
            GptConfig config = GptConfig.of(29, 12, 3, 2, 10, bias, 0).withNorm(NormKind.PREPBN, 5, 10);
            GptWeights w = PrepBnWeights.trained(GptWeights.random(config, rnd.seed()), rnd.seed() + 1);
            GptWeights folded = PrepBnFold.fold(w);
            assertEquals(NormKind.FOLDED, folded.config().norm());
            int[] tokens = new int[2 * 12];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = rnd.nextInt(0, config.vocabSize() - 1);
            }
            ReferenceGpt.Result ref = ReferenceGpt.forward(w, tokens, 2, 12);
            ReferenceGpt.Result refFolded = ReferenceGpt.forward(folded, tokens, 2, 12);
            Subject subject = Subject.of("PRepBN model", config.toJson(), rnd.seed()).rowsOf(config.vocabSize());
            float[] reference = new float[ref.logits().length];
            for (int i = 0; i < reference.length; i++) {
                reference[i] = (float) refFolded.logits()[i];
            }
            Tolerance.FP32.assertClose(subject.with("float64 folded vs float64 unfolded"), reference, ref.logits(),
                    ref.scale());
            for (boolean plain : new boolean[] {false, true}) {
                JvmBackend backend = new JvmBackend(2, plain ? FastPaths.none() : FastPaths.standard());
                float[] unfoldedLogits;
                try (GptModel model = GptModel.of(w, GptModel.Options.defaults().withBackend(backend))) {
                    unfoldedLogits = model.logits(tokens, 2, 12);
                }
                Tolerance.FP32.assertClose(subject.with("unfolded vs float64, plain=" + plain), unfoldedLogits,
                        ref.logits(), ref.scale());
                float[] foldedLogits;
                try (GptModel model = GptModel.of(folded, GptModel.Options.defaults()
                        .withBackend(new JvmBackend(2, plain ? FastPaths.none() : FastPaths.standard())))) {
                    foldedLogits = model.logits(tokens, 2, 12);
                }
                Tolerance.FP32.assertClose(subject.with("folded vs float64, plain=" + plain), foldedLogits,
                        ref.logits(), ref.scale());
                double[] unfolded = new double[unfoldedLogits.length];
                for (int i = 0; i < unfolded.length; i++) {
                    unfolded[i] = unfoldedLogits[i];
                }
                Tolerance.FP32.assertClose(subject.with("folded vs unfolded, plain=" + plain), foldedLogits, unfolded,
                        ref.scale());
            }
        }
    }

    @Test
    void onlyPrepBnModelsFold() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrepBnFold.fold(GptWeights.random(GptConfig.of(11, 8, 1, 2, 8, true, 0), 1)));
        assertTrue(e.getMessage().contains("prepbn"), e.getMessage());
    }
}
