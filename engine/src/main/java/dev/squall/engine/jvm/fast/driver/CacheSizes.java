package dev.squall.engine.jvm.fast.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The data cache sizes of one core, as the machine reports them: Linux's
 * {@code /sys/devices/system/cpu/cpu0/cache/index*} ({@code level}, {@code type}, {@code size}); where that is
 * missing (some virtual machines), the per-core L2 that AMD processors report as {@code cache size} in
 * {@code /proc/cpuinfo}; otherwise {@link #DEFAULT}.
 *
 * @param l1     L1 data cache, bytes
 * @param l2     L2 cache, bytes
 * @param l3     L3 cache, bytes (shared between cores), 0 when there is none or it is unknown
 * @param source where the sizes come from, for {@code squall info}
 */
public record CacheSizes(long l1, long l2, long l3, String source) {
    /** When the machine reports nothing: 32 KiB L1, 512 KiB L2 (AMD Zen 2–3, most Intel cores), no L3. */
    public static final CacheSizes DEFAULT = new CacheSizes(32 << 10, 512 << 10, 0, "defaults");

    /** This machine's sizes. */
    public static CacheSizes machine() {
        return read(Path.of("/sys/devices/system/cpu/cpu0/cache"), Path.of("/proc/cpuinfo"));
    }

    /** The sizes under a sysfs cache directory, else from a cpuinfo file, else {@link #DEFAULT}. */
    static CacheSizes read(Path sysfs, Path cpuinfo) {
        long l1 = 0;
        long l2 = 0;
        long l3 = 0;
        for (int i = 0; i < 8; i++) {
            Path index = sysfs.resolve("index" + i);
            String level = firstLine(index.resolve("level"));
            String type = firstLine(index.resolve("type"));
            long size = bytes(firstLine(index.resolve("size")));
            if (level == null || type == null || size <= 0 || type.equals("Instruction")) {
                continue;
            }
            switch (level) {
                case "1" -> l1 = size;
                case "2" -> l2 = size;
                case "3" -> l3 = size;
                default -> { }
            }
        }
        if (l1 > 0 && l2 > 0) {
            return new CacheSizes(l1, l2, l3, "sysfs");
        }
        long amdL2 = amdL2(cpuinfo);
        if (amdL2 > 0) {
            return new CacheSizes(DEFAULT.l1, amdL2, 0, "/proc/cpuinfo L2, default L1");
        }
        return DEFAULT;
    }

    /** {@code "48K"}, {@code "1024K"}, {@code "32M"} or a plain number of bytes; 0 when unreadable. */
    static long bytes(String size) {
        if (size == null || size.isEmpty()) {
            return 0;
        }
        String s = size.trim().toUpperCase(Locale.ROOT);
        long unit = s.endsWith("K") ? 1L << 10 : s.endsWith("M") ? 1L << 20 : s.endsWith("G") ? 1L << 30 : 1;
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Long.parseLong(s.trim()) * unit;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code cache size : 1024 KB} of an AMD processor (its L2 per core; Intel's line is the L3), else 0. */
    private static long amdL2(Path cpuinfo) {
        try {
            List<String> lines = Files.readAllLines(cpuinfo);
            if (lines.stream().noneMatch(l -> l.startsWith("vendor_id") && l.contains("AuthenticAMD"))) {
                return 0;
            }
            return lines.stream().filter(l -> l.startsWith("cache size")).findFirst()
                    .map(l -> bytes(l.substring(l.indexOf(':') + 1).replace("KB", "K").replace("MB", "M")
                            .replace(" ", "")))
                    .orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String firstLine(Path p) {
        try {
            List<String> lines = Files.readAllLines(p);
            return lines.isEmpty() ? null : lines.get(0).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** E.g. {@code L1d 48 KiB, L2 1024 KiB, L3 32768 KiB (sysfs)}. */
    public String describe() {
        return "L1d " + (l1 >> 10) + " KiB, L2 " + (l2 >> 10) + " KiB" + (l3 > 0 ? ", L3 " + (l3 >> 10) + " KiB" : "")
                + " (" + source + ")";
    }
}
