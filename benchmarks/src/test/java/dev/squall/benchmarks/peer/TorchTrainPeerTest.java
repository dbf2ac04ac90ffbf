package dev.squall.benchmarks.peer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PyTorch training peer's process protocol, without Python: a shell script stands in for the interpreter. */
class TorchTrainPeerTest {
    @TempDir
    Path dir;

    @Test
    void missingInterpretersMakeThePeerUnavailableSayingWhatWasTried() {
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class, () -> TorchTrainPeer.start(
                List.of(dir.resolve("no-python").toString()), 65, 64, 1, 1, 8, true, 2, 4, 1));
        assertTrue(e.getMessage().contains("no-python (not found)"), e.getMessage());
    }

    @Test
    void anInterpreterWithoutTorchIsSkipped() throws IOException {
        Path noTorch = script("no-torch", "echo 'PyTorch is not installed'; exit 3");
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class, () -> TorchTrainPeer.start(
                List.of(noTorch.toString()), 65, 64, 1, 1, 8, true, 2, 4, 1));
        assertTrue(e.getMessage().contains("PyTorch is not installed"), e.getMessage());
    }

    @Test
    void eachStepIsOneRequestAndOneAnswer() throws Exception {
        Path fake = script("fake-python", "echo ready; n=0; while read line; do n=$((n+1)); echo \"$n.5\"; done");
        try (TorchTrainPeer peer = TorchTrainPeer.start(List.of(fake.toString()), 65, 64, 1, 1, 8, false, 2, 4, 1)) {
            assertEquals(1.5, peer.step());
            assertEquals(2.5, peer.step());
        }
    }

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
