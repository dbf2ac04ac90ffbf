package dev.squall.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loss.csv}: written rows read back as the same text; a checkpoint's rows only; damage named. */
class LossLogTest {
    @TempDir
    Path dir;

    @Test
    void rowsReadBackAsTheSameTextUpToTheCheckpoint() throws IOException {
        LossLog log = new LossLog();
        for (int k = 0; k < 5; k++) {
            log.add(new LossLog.Row(k, 4.1 / (k + 1), 1e-4 * (k + 1) / 3, 0.1 + k, 12345.678,
                    k % 2 == 1 ? 2.0 / 3 : Double.NaN));
        }
        Path csv = dir.resolve("loss.csv");
        log.write(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(LossLog.HEADER, lines.getFirst());
        assertEquals("1,2.05,6.666666666666667E-5,1.1,12345.7,0.6666666666666666", lines.get(2));
        LossLog three = LossLog.read(csv, 3);
        Path again = dir.resolve("again.csv");
        three.write(again);
        assertEquals(lines.subList(0, 4), Files.readAllLines(again));
        String m = assertThrows(IllegalArgumentException.class, () -> LossLog.read(csv, 6)).getMessage();
        assertTrue(m.contains("has 5 steps but the checkpoint is at step 6"), m);
    }

    @Test
    void damageIsNamed() throws IOException {
        Path csv = Files.writeString(dir.resolve("loss.csv"),
                LossLog.HEADER + "\n0,1.0,0.1,1.0,5.0,\n2,1.0,0.1,1.0,5.0,\n");
        String m = assertThrows(IllegalArgumentException.class, () -> LossLog.read(csv, 2)).getMessage();
        assertTrue(m.contains("line 3 is step 2, expected 1"), m);
        Files.writeString(csv, LossLog.HEADER + "\n0,x,0.1,1.0,5.0,\n");
        m = assertThrows(IllegalArgumentException.class, () -> LossLog.read(csv, 1)).getMessage();
        assertTrue(m.contains("not a row of numbers: 0,x"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LossLog.read(dir.resolve("none.csv"), 1)).getMessage();
        assertTrue(m.contains("no such file (the checkpoint is incomplete)"), m);
    }
}
