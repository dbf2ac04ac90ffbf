package dev.squall.benchmarks.peer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * ONNX Runtime (Java API, CPU execution provider) running the block's ONNX model: the engine a Java user would
 * pick for CPU inference. {@code threads} intra-op threads (Squall's thread count), one inter-op thread,
 * sequential execution, all graph optimisations (ONNX Runtime fuses the attention, GELU and LayerNorm
 * subgraphs); otherwise its defaults, as a user gets them, spinning worker threads included (on a loaded
 * machine spinning costs it time; in the bench's rounds it runs last, after the fused graph). Input and
 * output live in direct buffers allocated once per shape and the output is pinned, so a timed run is
 * {@code session.run} alone.
 */
public final class OnnxRuntimePeer implements BlockPeer {
    /** The name of the peer, for {@code --peer} and tables. */
    public static final String NAME = "onnxruntime";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Path model;
    private final int threads;
    private final int width;
    private final String input;
    private final String output;

    private OnnxRuntimePeer(OrtEnvironment env, OrtSession session, Path model, int threads, int width)
            throws OrtException {
        this.env = env;
        this.session = session;
        this.model = model;
        this.threads = threads;
        this.width = width;
        Map<String, NodeInfo> in = session.getInputInfo();
        Map<String, NodeInfo> out = session.getOutputInfo();
        if (in.size() != 1 || out.size() != 1) {
            throw new OrtException("the model must have one input and one output, has " + in.keySet() + " and "
                    + out.keySet());
        }
        this.input = in.keySet().iterator().next();
        this.output = out.keySet().iterator().next();
    }

    /** The peer on the model {@link OnnxExport} makes (or finds in its cache) for each block. */
    public static Factory factory(OnnxExport export) {
        return (config, weights, threads) -> open(export.model(config, weights), config.dModel(), threads);
    }

    /**
     * A session on {@code model}, a block of width {@code width} (input {@code [batch, n, width]}), with
     * {@code threads} intra-op threads.
     *
     * @throws PeerUnavailableException when ONNX Runtime's native library does not load or the model does not
     *                                  open
     */
    public static OnnxRuntimePeer open(Path model, int width, int threads) throws PeerUnavailableException {
        OrtEnvironment env;
        try {
            env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "squall-bench");
        } catch (LinkageError e) {
            throw new PeerUnavailableException("ONNX Runtime's native library does not load here: " + e.getMessage());
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            OrtSession session = env.createSession(model.toString(), options);
            try {
                return new OnnxRuntimePeer(env, session, model, threads, width);
            } catch (OrtException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new PeerUnavailableException("ONNX Runtime cannot open " + model + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String describe() {
        String producer;
        try {
            producer = session.getMetadata().getProducerName();
        } catch (OrtException e) {
            producer = "?";
        }
        return "ONNX Runtime " + env.getVersion() + " (Java, CPU), " + threads + " intra-op threads, all graph "
                + "optimisations; model " + model + " (" + (producer.isEmpty() ? "unknown producer" : producer) + ")";
    }

    @Override
    public Run prepare(float[] x, int batch, int n) throws PeerUnavailableException {
        long[] shape = {batch, n, width};
        if ((long) batch * n * width != x.length) {
            throw new IllegalArgumentException("input has " + x.length + " values, not " + batch + "·" + n + "·" + width);
        }
        FloatBuffer in = direct(x.length).put(x).flip();
        FloatBuffer out = direct(x.length);
        OnnxTensor inTensor = null;
        try {
            inTensor = OnnxTensor.createTensor(env, in, shape);
            OnnxTensor outTensor = OnnxTensor.createTensor(env, out, shape);
            return new OrtRun(inTensor, outTensor, out);
        } catch (OrtException e) {
            if (inTensor != null) {
                inTensor.close();
            }
            throw new PeerUnavailableException("ONNX Runtime cannot take a [" + batch + ", " + n + ", " + width
                    + "] input: " + e.getMessage());
        }
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    /** One shape's input and pinned output. */
    private final class OrtRun implements Run {
        private final OnnxTensor in;
        private final OnnxTensor out;
        private final FloatBuffer outBuffer;

        OrtRun(OnnxTensor in, OnnxTensor out, FloatBuffer outBuffer) {
            this.in = in;
            this.out = out;
            this.outBuffer = outBuffer;
        }

        @Override
        public void run() {
            try (OrtSession.Result ignored = session.run(Map.of(input, in), Map.of(output, out))) {
                // the output is pinned: ONNX Runtime wrote it into outBuffer
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
            }
        }

        @Override
        public float[] output() {
            float[] y = new float[outBuffer.capacity()];
            outBuffer.duplicate().clear().get(y);
            return y;
        }

        @Override
        public void close() {
            in.close();
            out.close();
        }
    }
}
