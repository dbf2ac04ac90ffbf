package dev.squall.benchmarks.peer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Tiny ONNX models written as protobuf bytes by hand, so that the ONNX Runtime peer is tested without Python
 * or the {@code onnx} package: a graph of one elementwise node from input {@code x} to output {@code y}, both
 * float {@code [batch, n, width]} with the first two axes dynamic.
 */
public final class OnnxModels {
    private OnnxModels() {
    }

    /** {@code y = op(x)} for a one-input ONNX operator such as {@code Neg} (opset 14, IR version 7). */
    public static byte[] unary(String op, int width) {
        Proto node = new Proto().string(1, "x").string(2, "y").string(3, "node").string(4, op);
        Proto graph = new Proto().message(1, node).string(2, "test").message(11, tensor("x", width))
                .message(12, tensor("y", width));
        return new Proto().varint(1, 7).string(2, "squall-test").message(7, graph)
                .message(8, new Proto().varint(2, 14)).bytes();
    }

    /** A ValueInfoProto: float tensor {@code [batch, n, width]}. */
    private static Proto tensor(String name, int width) {
        Proto shape = new Proto().message(1, new Proto().string(2, "batch")).message(1, new Proto().string(2, "n"))
                .message(1, new Proto().varint(1, width));
        Proto tensorType = new Proto().varint(1, 1).message(2, shape); // elem_type FLOAT = 1
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** A protobuf message being written: varint and length-delimited fields only. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
            return this;
        }

        Proto string(int field, String value) {
            return delimited(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto message) {
            return delimited(field, message.bytes());
        }

        private Proto delimited(int field, byte[] value) {
            raw((long) field << 3 | 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
