package dev.squall.tornado;

import dev.squall.engine.layers.GemmTiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;

/**
 * The backend's settings, from {@code tornado-config/tornado.properties} (the file is documented there).
 *
 * @param source          where they were read from, for messages
 * @param backendIndex    TornadoVM backend (driver) index of the device
 * @param deviceIndex     device index within that backend
 * @param precompile      compile every kernel while a plan is built
 * @param warmup          untimed executions of each new plan
 * @param sketchTimeout   longest TornadoVM may analyse one kernel
 * @param profiler        whether TornadoVM's profiler runs
 * @param localWork       default work-group size, if any
 * @param localWorkByTask work-group sizes by Squall task name
 * @param gemmTiles       GEMM tiles by device class ({@code cpu}, {@code gpu}, ..., {@code default})
 */
public record TornadoSettings(String source, int backendIndex, int deviceIndex, boolean precompile, int warmup,
                              Duration sketchTimeout, boolean profiler, OptionalInt localWork,
                              Map<String, Integer> localWorkByTask, Map<String, GemmTiles> gemmTiles) {
    /** System property naming a settings file to use instead of the built-in one. */
    public static final String CONFIG_PROPERTY = "squall.tornado.config";
    private static final String RESOURCE = "tornado.properties";
    private static final String LOCAL_PREFIX = "grid.local.";
    private static final String TILES_PREFIX = "gemm.tiles.";

    /** Checks that a default GEMM tile size exists. */
    public TornadoSettings {
        if (!gemmTiles.containsKey("default")) {
            throw new IllegalArgumentException(source + ": gemm.tiles.default is missing");
        }
        localWorkByTask = Map.copyOf(localWorkByTask);
        gemmTiles = Map.copyOf(gemmTiles);
    }

    /** The settings file named by {@value #CONFIG_PROPERTY}, else the one built into the backend's jar. */
    public static TornadoSettings load() {
        String path = System.getProperty(CONFIG_PROPERTY);
        try (InputStream in = path != null ? Files.newInputStream(Path.of(path))
                : TornadoSettings.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the built-in " + RESOURCE + " is missing from the backend's jar");
            }
            Properties p = new Properties();
            p.load(in);
            return parse(p, path != null ? path : "built-in " + RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TornadoVM settings " + path + ": " + e.getMessage(), e);
        }
    }

    /** Settings from properties; {@link IllegalArgumentException} names the key and {@code source} of a bad value. */
    public static TornadoSettings parse(Properties p, String source) {
        String device = p.getProperty("device", "0:0").trim();
        String[] parts = device.split(":");
        int[] index = new int[2];
        if (parts.length != 2) {
            throw bad(source, "device", device, "backend:device, e.g. 0:0");
        }
        for (int i = 0; i < 2; i++) {
            index[i] = integer(source, "device", parts[i], 0);
        }
        Map<String, Integer> byTask = new HashMap<>();
        Map<String, GemmTiles> tiles = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key).trim();
            if (key.startsWith(LOCAL_PREFIX)) {
                byTask.put(key.substring(LOCAL_PREFIX.length()), integer(source, key, value, 1));
            } else if (key.startsWith(TILES_PREFIX)) {
                tiles.put(key.substring(TILES_PREFIX.length()).toLowerCase(Locale.ROOT), tiles(source, key, value));
            }
        }
        String local = p.getProperty("grid.local", "").trim();
        return new TornadoSettings(source, index[0], index[1],
                bool(source, "precompile", p.getProperty("precompile", "true")),
                integer(source, "warmup", p.getProperty("warmup", "0"), 0),
                Duration.ofSeconds(integer(source, "sketch.timeout.seconds", p.getProperty("sketch.timeout.seconds", "120"), 1)),
                bool(source, "profiler", p.getProperty("profiler", "true")),
                local.isEmpty() ? OptionalInt.empty() : OptionalInt.of(integer(source, "grid.local", local, 1)),
                byTask, tiles);
    }

    /** The work-group size for the task called {@code task}, if one is set. */
    public OptionalInt localWork(String task) {
        Integer size = localWorkByTask.get(task);
        return size != null ? OptionalInt.of(size) : localWork;
    }

    /** GEMM tiles for a device class ({@code cpu}, {@code gpu}, ...), else the default ones. */
    public GemmTiles tilesFor(String deviceClass) {
        return gemmTiles.getOrDefault(deviceClass.toLowerCase(Locale.ROOT), gemmTiles.get("default"));
    }

    private static int integer(String source, String key, String value, int min) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(source, key, value, "an integer >= " + min);
    }

    private static boolean bool(String source, String key, String value) {
        return switch (value.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(source, key, value, "true or false");
        };
    }

    private static GemmTiles tiles(String source, String key, String value) {
        String[] mnk = value.split("x");
        if (mnk.length != 3) {
            throw bad(source, key, value, "MxNxK, e.g. 16x256x128");
        }
        return new GemmTiles(integer(source, key, mnk[0], 1), integer(source, key, mnk[1], 1),
                integer(source, key, mnk[2], 1));
    }

    private static IllegalArgumentException bad(String source, String key, String value, String expected) {
        return new IllegalArgumentException(source + ": " + key + " = '" + value + "' must be " + expected);
    }
}
