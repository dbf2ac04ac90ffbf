package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file written through {@link AtomicFiles} is replaced whole or not at all, and no temporary file is left. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = Files.writeString(dir.resolve("out.txt"), "old");
        AtomicFiles.write(file, out -> out.write("new content".getBytes(StandardCharsets.UTF_8)));
        assertEquals("new content", Files.readString(file));
        assertEquals(List.of(file), files());
        AtomicFiles.write(dir.resolve("fresh.txt"), out -> out.write('x'));
        assertEquals("x", Files.readString(dir.resolve("fresh.txt")));
    }

    @Test
    void aWriteThatFailsPartWayLeavesTheOriginalAndNoTemporaryFile() throws IOException {
        Path file = Files.writeString(dir.resolve("keep.txt"), "original");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write(new byte[100_000]);
            throw new IOException("File too large");
        }));
        assertEquals("cannot write " + file + ": file too large", e.getMessage());
        assertEquals("original", Files.readString(file));
        assertEquals(List.of(file), files());

        RuntimeException bug = new IllegalStateException("bug in the writer");
        assertEquals(bug, assertThrows(IllegalStateException.class, () -> AtomicFiles.write(file, out -> {
            out.write(1);
            throw bug;
        })));
        assertEquals("original", Files.readString(file));
        assertEquals(List.of(file), files());
    }

    /** The same through the writers of arrays and archives, the disk failing after a few kilobytes. */
    @Test
    void arrayAndArchiveWritersKeepTheOriginalWhenTheDiskFails() throws Exception {
        Path npy = dir.resolve("v.npy");
        NdArray original = NdArray.of(new float[] {1, 2, 3}, 3);
        Npy.write(npy, original);
        Path npz = dir.resolve("w.npz");
        Npz.write(npz, Map.of("w", original));
        byte[] npyBytes = Files.readAllBytes(npy);
        byte[] npzBytes = Files.readAllBytes(npz);
        NdArray big = NdArray.of(new float[100_000], 100_000);
        try (AutoCloseable hook = AtomicFiles.interceptWrites(out -> FailingOutput.after(out, 4096, "No space left on device"))) {
            IOException e = assertThrows(IOException.class, () -> Npy.write(npy, big));
            assertEquals("cannot write " + npy + ": no space left on device", e.getMessage());
            e = assertThrows(IOException.class, () -> Npz.write(npz, Map.of("w", big)));
            assertEquals("cannot write " + npz + ": no space left on device", e.getMessage());
        }
        assertArrayEquals(npyBytes, Files.readAllBytes(npy));
        assertArrayEquals(npzBytes, Files.readAllBytes(npz));
        assertEquals(List.of(npy, npz), files());
    }

    @Test
    void errorsNameTheFileAndTheReason() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(sub, out -> out.write(1)));
        assertEquals("cannot write " + sub + ": it is a directory", e.getMessage());
        Path nowhere = dir.resolve("missing").resolve("out.npy");
        e = assertThrows(IOException.class, () -> AtomicFiles.write(nowhere, out -> out.write(1)));
        assertEquals("cannot write " + nowhere + ": no such directory " + nowhere.getParent(), e.getMessage());
    }

    @Test
    void keepsPermissionsAndWritesThroughSymbolicLinks() throws IOException {
        Path file = Files.writeString(dir.resolve("data.txt"), "old");
        boolean posix = Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class) != null;
        if (posix) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        }
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), file.getFileName());
        AtomicFiles.write(link, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("new", Files.readString(file));
        if (posix) {
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
