package dev.squall.engine.layers.pattern;

import dev.squall.engine.io.DType;
import dev.squall.engine.io.IoErrors;
import dev.squall.engine.io.NdArray;
import dev.squall.engine.io.Npy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The pattern grammar of {@link AttentionPattern}: parsing, and errors that name the parameter. */
final class PatternParser {
    /** Each pattern's form in the grammar, in the order of the documentation. */
    private static final Map<String, String> FORMS = new LinkedHashMap<>();

    static {
        FORMS.put("local", "local:W");
        FORMS.put("dilated", "dilated:W:D");
        FORMS.put("longformer", "longformer:W:D[:G1,G2,..]");
        FORMS.put("block", "block:B:LAYOUT.npy");
        FORMS.put("fixed", "fixed:B:S");
        FORMS.put("strided", "strided:B:S");
        FORMS.put("bigbird", "bigbird:B:W:G:R:SEED");
        FORMS.put("topk", "topk:K");
        FORMS.put("cluster", "cluster:C:ITERS:SEED");
        FORMS.put("linformer", "linformer:R:SEED or linformer:E.npy:F.npy");
        FORMS.put("linear", "linear");
    }

    private PatternParser() {
    }

    /** Throws an {@link IllegalArgumentException} "{@code pattern FORM: message}" unless {@code ok}. */
    static void require(boolean ok, String kind, String message) {
        if (!ok) {
            throw new IllegalArgumentException("pattern " + FORMS.getOrDefault(kind, kind) + ": " + message);
        }
    }

    static AttentionPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("pattern must not be empty; expected one of " + String.join(" | ", FORMS.values()));
        }
        String[] p = text.trim().split(":", -1);
        String kind = p[0].toLowerCase(Locale.ROOT);
        if (!FORMS.containsKey(kind)) {
            throw new IllegalArgumentException("unknown pattern '" + p[0] + "' in '" + text + "'; expected one of "
                    + String.join(" | ", FORMS.values()));
        }
        return switch (kind) {
            case "local" -> {
                fields(p, kind, text, 2);
                yield new WindowPattern(kind, nonNegative(p[1], kind, "W (window radius)"), new int[] {1}, new int[0]);
            }
            case "dilated" -> {
                fields(p, kind, text, 3);
                yield new WindowPattern(kind, nonNegative(p[1], kind, "W (window radius)"), dilations(p[2], kind),
                        new int[0]);
            }
            case "longformer" -> {
                fields(p, kind, text, 3, 4);
                yield new WindowPattern(kind, nonNegative(p[1], kind, "W (window radius)"), dilations(p[2], kind),
                        p.length == 4 ? globals(p[3], kind) : new int[0]);
            }
            case "block" -> {
                fields(p, kind, text, 3);
                yield new BlockPattern(kind, positive(p[1], kind, "B (block size)"), layout(p[2]));
            }
            case "fixed", "strided" -> {
                fields(p, kind, text, 3);
                int stride = positive(p[2], kind, "S (stride in blocks)");
                yield new BlockPattern(kind, positive(p[1], kind, "B (block size)"),
                        kind.equals("fixed") ? new BlockLayout.Fixed(stride) : new BlockLayout.Strided(stride));
            }
            case "bigbird" -> {
                fields(p, kind, text, 6);
                yield new BlockPattern(kind, positive(p[1], kind, "B (block size)"), new BlockLayout.BigBird(
                        nonNegative(p[2], kind, "W (window radius in blocks)"), nonNegative(p[3], kind, "G (global blocks)"),
                        nonNegative(p[4], kind, "R (random blocks per row)"), seed(p[5], kind)));
            }
            case "topk" -> {
                fields(p, kind, text, 2);
                yield new TopKPattern(positive(p[1], kind, "K"));
            }
            case "cluster" -> {
                fields(p, kind, text, 4);
                long seed = seed(p[3], kind);
                require(seed == (int) seed, kind, "SEED must fit in 32 bits, got " + p[3]);
                yield new ClusterPattern(positive(p[1], kind, "C (clusters)"), nonNegative(p[2], kind, "ITERS (k-means iterations)"),
                        (int) seed);
            }
            case "linformer" -> {
                fields(p, kind, text, 3);
                if (p[1].toLowerCase(Locale.ROOT).endsWith(".npy")) {
                    yield givenProjections(p[1], p[2]);
                }
                yield LinformerPattern.seeded(positive(p[1], kind, "R (projected length)"), seed(p[2], kind));
            }
            default -> {
                fields(p, kind, text, 1);
                yield new LinearPattern();
            }
        };
    }

    private static void fields(String[] p, String kind, String text, int... counts) {
        int n = p.length;
        require(Arrays.stream(counts).anyMatch(c -> c == n), kind, "expected " + FORMS.get(kind) + ", got '" + text + "'");
    }

    private static int integer(String s, String kind, String name) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pattern " + FORMS.get(kind) + ": " + name + " must be an integer, got '" + s + "'");
        }
    }

    private static int nonNegative(String s, String kind, String name) {
        int v = integer(s, kind, name);
        require(v >= 0, kind, name + " must be >= 0, got " + v);
        return v;
    }

    private static int positive(String s, String kind, String name) {
        int v = integer(s, kind, name);
        require(v >= 1, kind, name + " must be >= 1, got " + v);
        return v;
    }

    private static long seed(String s, String kind) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pattern " + FORMS.get(kind) + ": SEED must be an integer, got '" + s + "'");
        }
    }

    /** {@code D} or {@code D1/D2/..}: one dilation for all heads or one per head. */
    private static int[] dilations(String s, String kind) {
        return Arrays.stream(s.split("/", -1)).mapToInt(x -> positive(x, kind, "D (dilation)")).toArray();
    }

    /** {@code G1,G2,..} in any order, repeats ignored; empty for none. */
    private static int[] globals(String s, String kind) {
        if (s.isBlank()) {
            return new int[0];
        }
        return Arrays.stream(s.split(",", -1)).mapToInt(x -> nonNegative(x, kind, "global position")).sorted().distinct()
                .toArray();
    }

    private static BlockLayout layout(String file) {
        NdArray a = read("block", "LAYOUT", file);
        require(a.rank() == 2 && a.dim(0) == a.dim(1) && a.dim(0) > 0, "block",
                "LAYOUT (" + file + ") must be a square [blocks, blocks] array, got " + a.describe());
        float[] values = numbers(a);
        int nb = a.dim(0);
        boolean[][] blocks = new boolean[nb][nb];
        for (int i = 0; i < nb; i++) {
            for (int j = 0; j < nb; j++) {
                blocks[i][j] = values[i * nb + j] != 0;
            }
        }
        return new BlockLayout.Explicit(blocks, file);
    }

    private static LinformerPattern givenProjections(String eFile, String fFile) {
        NdArray e = read("linformer", "E", eFile);
        NdArray f = read("linformer", "F", fFile);
        require(e.rank() == 2, "linformer", "E (" + eFile + ") must be [R, N], got " + e.describe());
        require(Arrays.equals(e.shape(), f.shape()), "linformer", "F (" + fFile + ") must have the shape of E "
                + Arrays.toString(e.shape()) + ", got " + f.describe());
        return LinformerPattern.given(numbers(e), numbers(f), e.dim(0),
                e.dim(1), eFile + ":" + fFile);
    }

    private static NdArray read(String kind, String name, String file) {
        try {
            return Npy.read(Path.of(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("pattern " + FORMS.get(kind) + ": cannot read " + name + " (" + file + "): "
                    + IoErrors.reason(Path.of(file), e), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("pattern " + FORMS.get(kind) + ": cannot read " + name + " (" + file + "): "
                    + e.getMessage(), e);
        }
    }

    /** The array as floats (bool and integer arrays as 0/1 and their values). */
    private static float[] numbers(NdArray a) {
        if (a.dtype() == DType.FLOAT32 || a.dtype() == DType.FLOAT16) {
            return a.toFloats();
        }
        int[] ints = a.toInts();
        float[] out = new float[ints.length];
        for (int i = 0; i < ints.length; i++) {
            out[i] = ints[i];
        }
        return out;
    }
}
