package dev.squall.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;
import dev.squall.engine.io.Npz;
import dev.squall.engine.layers.BlockWeights;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile or careless input does to the CLI (issue 21): every case is an error that names the argument
 * and exits with status 2 (never a stack trace, an out-of-memory error or a destroyed file).
 */
class HostileInputCliTest {
    @TempDir
    Path dir;

    private final SplittableRandom rnd = new SplittableRandom();
    private final StringWriter errors = new StringWriter();

    /** An output that is also the input, the disk failing part-way: the input stays as it was. */
    @Test
    void aFailedWriteOverTheInputLeavesTheInputIntact() throws Exception {
        Path v = dir.resolve("v.npy");
        Npy.write(v, NdArray.of(random(64 * 64), 64, 64));
        Path w = dir.resolve("w.npz");
        Npz.write(w, BlockWeights.random(32, 64, 1).toStateDict());
        byte[] vBytes = Files.readAllBytes(v);
        byte[] wBytes = Files.readAllBytes(w);
        try (AutoCloseable hook = AtomicFiles.interceptWrites(out -> failingAfter(out, 2000))) {
            run(2, "op", "softmax", v.toString(), "-o", v.toString());
            assertError("softmax: -o: cannot write " + v + ": file too large");
            run(2, "quantize", w.toString(), "--format", "fp16", "-o", w.toString());
            assertError("quantize: -o: cannot write " + w + ": file too large");
        }
        assertArrayEquals(vBytes, Files.readAllBytes(v), "v.npy changed");
        assertArrayEquals(wBytes, Files.readAllBytes(w), "w.npz changed");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(v, w), files.sorted().toList(), "temporary files left behind");
        }
    }

    /** A 200-byte file whose header claims float32 (46340, 46340): a format error, not an OutOfMemoryError. */
    @Test
    void falseHeadersAreFormatErrorsNamingTheArgument() throws IOException {
        byte[] header = "{'descr': '<f4', 'fortran_order': False, 'shape': (46340, 46340), }".getBytes(
                StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) 118).put(header);
        while (b.position() < 127) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        Path big = Files.write(dir.resolve("big.npy"), b.array());
        String truncated = "truncated data: expected 8589582400 bytes of data for float32[46340, 46340], found 72";
        run(2, "op", "softmax", big.toString(), "-o", dir.resolve("out.npy").toString());
        assertError("softmax: X (" + big + "): " + truncated);
        Path w = dir.resolve("w.npz");
        Npz.write(w, BlockWeights.random(32, 64, 1).toStateDict());
        run(2, "op", "block", big.toString(), w.toString(), "--heads", "2", "-o", dir.resolve("out.npy").toString());
        assertError("block: X (" + big + "): " + truncated);
        Path bigMember = dir.resolve("bigm.npz");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(bigMember))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("self_attn.in_proj_weight.npy"));
            zip.write(b.array());
            zip.closeEntry();
        }
        run(2, "quantize", bigMember.toString(), "--format", "q8_0", "-o", dir.resolve("o.npz").toString());
        assertError("quantize: WEIGHTS (" + bigMember + "): member self_attn.in_proj_weight.npy: " + truncated);
    }

    static OutputStream failingAfter(OutputStream out, long limit) {
        return new FilterOutputStream(out) {
            private long written;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > limit) {
                    throw new IOException("File too large");
                }
                out.write(b, off, len);
                written += len;
            }
        };
    }

    private void run(int expectedExit, String... args) {
        errors.getBuffer().setLength(0);
        int exit = Main.run(new PrintWriter(errors, true), args);
        assertEquals(expectedExit, exit, "exit code of " + String.join(" ", args) + "; stderr: " + errors);
        assertTrue(!errors.toString().contains("\tat "), "a stack trace: " + errors);
    }

    private void assertError(String fragment) {
        assertTrue(errors.toString().contains(fragment), "expected '" + fragment + "' in: " + errors);
    }

    private float[] random(int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
