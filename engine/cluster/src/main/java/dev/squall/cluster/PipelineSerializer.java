package dev.squall.cluster;

import dev.squall.cluster.StageProtocol.Abort;
import dev.squall.cluster.StageProtocol.ApplyStep;
import dev.squall.cluster.StageProtocol.FetchParameters;
import dev.squall.cluster.StageProtocol.RunStep;
import dev.squall.cluster.StageProtocol.StageDone;
import dev.squall.cluster.StageProtocol.StageFailed;
import dev.squall.cluster.StageProtocol.StepApplied;
import dev.squall.cluster.StageProtocol.Stop;
import dev.squall.cluster.StageProtocol.TensorChunk;
import dev.squall.cluster.StageProtocol.TensorKind;
import dev.squall.cluster.StageProtocol.Wire;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Binary serializer of the pipeline's messages: fixed fields in big-endian order, float arrays as raw IEEE 754
 * bits (a length, then the floats), actor references in Pekko's own string form. No Java serialisation.
 */
public final class PipelineSerializer extends SerializerWithStringManifest {
    /** The serializer's id in Pekko's registry (any fixed number above 40 that nothing else uses). */
    public static final int IDENTIFIER = 0x53515541;

    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    /** Created by Pekko from the {@code pekko.actor.serializers} setting. */
    public PipelineSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        return switch (o) {
            case TensorChunk c -> "T";
            case RunStep r -> "R";
            case StageDone d -> "D";
            case StageFailed f -> "E";
            case Wire w -> "W";
            case ApplyStep a -> "Y";
            case StepApplied a -> "Z";
            case FetchParameters p -> "P";
            case Abort a -> "A";
            case Stop s -> "S";
            default -> throw new IllegalArgumentException("not a pipeline message: " + o.getClass().getName());
        };
    }

    @Override
    public byte[] toBinary(Object o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(o instanceof TensorChunk c ? 64 + 4 * c.data().length
                : 128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            switch (o) {
                case TensorChunk c -> {
                    out.writeByte(c.kind().ordinal());
                    out.writeInt(c.stage());
                    out.writeLong(c.step());
                    out.writeInt(c.microBatch());
                    out.writeInt(c.offset());
                    out.writeInt(c.totalLength());
                    writeFloats(out, c.data());
                }
                case RunStep r -> {
                    out.writeLong(r.step());
                    out.writeInt(r.microBatches());
                    writeString(out, r.schedule());
                }
                case StageDone d -> {
                    out.writeInt(d.stage());
                    out.writeLong(d.step());
                    out.writeLong(d.busyNanos());
                    out.writeLong(d.windowNanos());
                    out.writeInt(d.peakSavedMicroBatches());
                    out.writeLong(d.peakSavedBytes());
                    out.writeLong(d.activationBytesSent());
                    out.writeLong(d.gradientBytesSent());
                    writeFloats(out, d.losses());
                }
                case StageFailed f -> {
                    out.writeInt(f.stage());
                    out.writeLong(f.step());
                    writeString(out, f.message());
                }
                case Wire w -> {
                    out.writeInt(w.stages());
                    writeString(out, ref(w.previous()));
                    writeString(out, ref(w.next()));
                    writeString(out, ref(w.driver()));
                }
                case ApplyStep a -> {
                    out.writeLong(a.step());
                    out.writeLong(a.sharedStages());
                }
                case StepApplied a -> {
                    out.writeInt(a.stage());
                    out.writeLong(a.step());
                    out.writeLong(a.nanos());
                }
                case FetchParameters p -> out.writeLong(p.request());
                case Abort a -> writeString(out, a.reason());
                case Stop s -> writeString(out, s.reason());
                default -> throw new IllegalArgumentException("not a pipeline message: " + o.getClass().getName());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        return switch (manifest) {
            case "T" -> new TensorChunk(TensorKind.values()[in.get()], in.getInt(), in.getLong(), in.getInt(),
                    in.getInt(), in.getInt(), readFloats(in));
            case "R" -> new RunStep(in.getLong(), in.getInt(), readString(in));
            case "D" -> new StageDone(in.getInt(), in.getLong(), in.getLong(), in.getLong(), in.getInt(),
                    in.getLong(), in.getLong(), in.getLong(), readFloats(in));
            case "E" -> new StageFailed(in.getInt(), in.getLong(), readString(in));
            case "W" -> new Wire(in.getInt(), resolve(readString(in)), resolve(readString(in)),
                    resolve(readString(in)));
            case "Y" -> new ApplyStep(in.getLong(), in.getLong());
            case "Z" -> new StepApplied(in.getInt(), in.getLong(), in.getLong());
            case "P" -> new FetchParameters(in.getLong());
            case "A" -> new Abort(readString(in));
            case "S" -> new Stop(readString(in));
            default -> throw new NotSerializableException("unknown pipeline message manifest '" + manifest + "'");
        };
    }

    private static void writeFloats(DataOutputStream out, float[] data) throws IOException {
        out.writeInt(data.length);
        ByteBuffer buffer = ByteBuffer.allocate(4 * data.length);
        buffer.asFloatBuffer().put(data);
        out.write(buffer.array());
    }

    private static float[] readFloats(ByteBuffer in) {
        float[] data = new float[in.getInt()];
        in.asFloatBuffer().get(data);
        in.position(in.position() + 4 * data.length);
        return data;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(ByteBuffer in) {
        byte[] utf8 = new byte[in.getInt()];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private String ref(ActorRef<?> ref) {
        return ref == null ? "" : resolver().toSerializationFormat(ref);
    }

    private <T> ActorRef<T> resolve(String s) {
        return s.isEmpty() ? null : resolver().resolveActorRef(s);
    }

    private ActorRefResolver resolver() {
        // Made on first use: the serializer is created while the actor system is still starting.
        if (resolver == null) {
            resolver = ActorRefResolver.get(Adapter.toTyped(system));
        }
        return resolver;
    }
}
