package dev.squall.engine.jvm.fast.driver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CacheSizes} from sysfs, from an AMD cpuinfo, and the defaults; {@link GemmBlocking#of} from them. */
class CacheSizesTest {
    @TempDir
    Path dir;

    @Test
    void readsSysfsDataCaches() throws IOException {
        Path sys = dir.resolve("cache");
        index(sys, 0, "1", "Data", "48K");
        index(sys, 1, "1", "Instruction", "32K");
        index(sys, 2, "2", "Unified", "1024K");
        index(sys, 3, "3", "Unified", "32768K");
        CacheSizes c = CacheSizes.read(sys, dir.resolve("none"));
        assertEquals(new CacheSizes(48 << 10, 1 << 20, 32 << 20, "sysfs"), c);
        assertTrue(c.describe().contains("L1d 48 KiB, L2 1024 KiB, L3 32768 KiB"), c.describe());
    }

    @Test
    void withoutSysfsAnAmdCpuinfoGivesL2() throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncache size\t: 1024 KB\n");
        assertEquals(1 << 20, CacheSizes.read(dir.resolve("missing"), cpuinfo).l2());
        assertEquals(CacheSizes.DEFAULT.l1(), CacheSizes.read(dir.resolve("missing"), cpuinfo).l1());
        // Intel's "cache size" is its L3: not taken for L2.
        Files.writeString(cpuinfo, "vendor_id\t: GenuineIntel\ncache size\t: 30720 KB\n");
        assertEquals(CacheSizes.DEFAULT, CacheSizes.read(dir.resolve("missing"), cpuinfo));
        assertEquals(CacheSizes.DEFAULT, CacheSizes.read(dir.resolve("missing"), dir.resolve("missing")));
    }

    @Test
    void sizesParse() {
        assertEquals(48 << 10, CacheSizes.bytes("48K"));
        assertEquals(32 << 20, CacheSizes.bytes("32M"));
        assertEquals(512, CacheSizes.bytes("512"));
        assertEquals(0, CacheSizes.bytes("lots"));
        assertEquals(0, CacheSizes.bytes(null));
    }

    @Test
    void blockingFollowsTheCaches() {
        // Zen 5 (48 KiB L1, 1 MiB L2) with the 8x32 kernel; Zen 3 (32 KiB, 512 KiB) with the 4x16 kernel.
        GemmBlocking zen5 = GemmBlocking.of(EightRowKernel.INSTANCE, new CacheSizes(48 << 10, 1 << 20, 32 << 20, "t"));
        assertEquals(512, zen5.kc());
        assertEquals(128, zen5.nc());
        assertEquals(512, zen5.mc());
        GemmBlocking small = GemmBlocking.of(FourRowKernel.INSTANCE, new CacheSizes(16 << 10, 128 << 10, 0, "t"));
        assertTrue(small.kc() >= GemmBlocking.MIN_KC && small.kc() <= GemmBlocking.MAX_KC, small.describe());
        assertEquals(0, small.mc() % FourRowKernel.INSTANCE.rows(), small.describe());
        assertEquals(0, small.nc() % FourRowKernel.INSTANCE.columns(), small.describe());
    }

    private static void index(Path sys, int i, String level, String type, String size) throws IOException {
        Path d = Files.createDirectories(sys.resolve("index" + i));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }
}
