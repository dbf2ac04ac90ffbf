package dev.squall.tornado;

import dev.squall.engine.layers.GemmTiles;
import org.junit.jupiter.api.Test;

import java.util.OptionalInt;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings file; needs no TornadoVM. */
class TornadoSettingsTest {

    @Test
    void builtInSettingsAreTornadoConfigsFile() {
        TornadoSettings s = TornadoSettings.load();
        assertEquals(0, s.backendIndex());
        assertEquals(0, s.deviceIndex());
        assertTrue(s.precompile() && s.profiler());
        assertEquals(new GemmTiles(16, 256, 128), s.tilesFor("cpu"));
        assertEquals(s.gemmTiles().get("default"), s.tilesFor("fpga"));
        assertEquals(OptionalInt.empty(), s.localWork("attention"));
    }

    @Test
    void perTaskWorkGroupsOverrideTheDefault() {
        Properties p = new Properties();
        p.setProperty("device", "1:2");
        p.setProperty("grid.local", "8");
        p.setProperty("grid.local.linear1+act", "32");
        p.setProperty("gemm.tiles.default", "2x3x4");
        TornadoSettings s = TornadoSettings.parse(p, "test");
        assertEquals(1, s.backendIndex());
        assertEquals(2, s.deviceIndex());
        assertEquals(OptionalInt.of(32), s.localWork("linear1+act"));
        assertEquals(OptionalInt.of(8), s.localWork("ln1"));
        assertEquals(new GemmTiles(2, 3, 4), s.tilesFor("GPU"));
    }

    @Test
    void badValuesNameTheKey() {
        for (String[] kv : new String[][]{{"device", "0"}, {"warmup", "-1"}, {"precompile", "yes"},
                {"grid.local.ln", "0"}, {"gemm.tiles.gpu", "1x2"}, {"sketch.timeout.seconds", "x"}}) {
            Properties p = new Properties();
            p.setProperty("gemm.tiles.default", "4x4x4");
            p.setProperty(kv[0], kv[1]);
            var e = assertThrows(IllegalArgumentException.class, () -> TornadoSettings.parse(p, "file.properties"));
            assertTrue(e.getMessage().startsWith("file.properties: " + kv[0] + " = '" + kv[1] + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> TornadoSettings.parse(new Properties(), "empty"));
    }
}
