package dev.squall.cli;

import dev.squall.engine.io.AtomicFiles;
import dev.squall.engine.io.IoErrors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --config FILE} and {@code --save-config FILE}: a command's settings as a JSON object whose keys are its
 * options' names without the dashes ({@code "heads": 12, "norm-first": true}), so they can be kept beside the
 * weights they belong to. Options given on the command line override the file.
 */
final class ConfigOptions {
    /** A configuration is a few lines; anything larger is the wrong file. */
    private static final int MAX_BYTES = 1 << 16;

    @Option(names = "--config", paramLabel = "CONFIG.json", description = "Read the layer's settings from this JSON "
            + "object (as --save-config writes it); options given here override it. Keys: the options' names without "
            + "dashes (heads, norm-first, activation, causal, eps, weights, pattern, kv-cache) and variant (fused or "
            + "unfused); weights and pattern may be null.")
    Path file;

    @Option(names = "--save-config", paramLabel = "CONFIG.json",
            description = "Also write the settings it ran with, as JSON for --config.")
    Path save;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * Sets each option named by a key of the {@code --config} file that the command line did not give, and returns
     * the values of the keys that name no option (settings the command reads itself, such as {@code variant}).
     *
     * @param keys the keys the file may hold; any other is an error naming it
     */
    Map<String, Object> apply(List<String> keys) {
        Map<String, Object> rest = new LinkedHashMap<>();
        if (file == null) {
            return rest;
        }
        Map<String, Object> values;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw error("more than " + MAX_BYTES + " bytes: not a configuration");
            }
            values = ConfigJson.parseObject(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes))
                    .toString(), file.toString());
        } catch (CharacterCodingException e) {
            throw error("not UTF-8 text");
        } catch (IOException e) {
            throw error(IoErrors.reason(file, e));
        }
        ParseResult given = command.commandLine().getParseResult();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            String key = e.getKey();
            if (!keys.contains(key)) {
                throw error("unknown key \"" + key + "\" (keys: " + String.join(", ", keys) + ")");
            }
            OptionSpec option = command.findOption("--" + key);
            if (option == null) {
                rest.put(key, e.getValue());
            } else if (!given.hasMatchedOption(option)) {
                option.setValue(convert(key, e.getValue(), option.type()));
            }
        }
        return rest;
    }

    /** Writes {@code settings} to the {@code --save-config} file, when there is one (atomically). */
    void save(Map<String, ?> settings) {
        if (save == null) {
            return;
        }
        byte[] json = ConfigJson.write(settings).getBytes(StandardCharsets.UTF_8);
        try {
            AtomicFiles.write(save, out -> out.write(json));
        } catch (IOException e) {
            throw new UncheckedIOException("--save-config: " + e.getMessage(), e);
        }
    }

    /** Whether the command line gave the option {@code name} (which --config then does not set). */
    boolean given(String name) {
        return command.commandLine().getParseResult().hasMatchedOption(name);
    }

    /** An input error in the --config file, naming it. */
    IllegalArgumentException error(String problem) {
        return new IllegalArgumentException("--config (" + file + "): " + problem);
    }

    private Object convert(String key, Object value, Class<?> type) {
        if (value == null && type == String.class) {
            return null;
        }
        if ((type == int.class || type == Integer.class) && value instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        if ((type == float.class || type == Float.class) && value instanceof Number n
                && Float.isFinite(n.floatValue())) {
            return n.floatValue();
        }
        if ((type == boolean.class || type == Boolean.class) && value instanceof Boolean) {
            return value;
        }
        if (type == String.class && value instanceof String) {
            return value;
        }
        if (type.isEnum() && value instanceof String s) {
            for (Object constant : type.getEnumConstants()) {
                if (constant.toString().equals(s)) {
                    return constant;
                }
            }
        }
        throw error("\"" + key + "\" must be " + expected(type) + ", got " + show(value));
    }

    /** A setting's value as JSON writes it, for messages. */
    static String show(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static String expected(Class<?> type) {
        if (type == int.class || type == Integer.class) {
            return "an integer";
        }
        if (type == float.class || type == Float.class) {
            return "a finite float";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isEnum()) {
            return "one of " + List.of(type.getEnumConstants());
        }
        return "a string or null";
    }
}
