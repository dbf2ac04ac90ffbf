package dev.squall.cluster;

import java.util.HashMap;
import java.util.Map;

/**
 * The flags of a stage node: {@code --pipeline-stages P --stage K --cluster-seed HOST:PORT [--bind HOST:PORT]
 * [--stage-layers 2,2] --stage-factory CLASS [--join-timeout SECONDS]}.
 *
 * @param stages the number of stages P
 * @param stage this node's stage K
 * @param seed the seed node's address (stage 0's node)
 * @param bind this node's address; stage 0 binds to the seed address, the others to the seed's host on a free port
 * @param stageLayers the {@code --stage-layers} text, or {@code null}
 * @param factory the {@link StageFactory} class name
 * @param joinTimeoutSeconds how long to wait to join the cluster
 */
public record NodeOptions(int stages, int stage, HostPort seed, HostPort bind, String stageLayers, String factory,
        int joinTimeoutSeconds) {

    /** Parses the flags; errors name the flag. */
    public static NodeOptions parse(String... args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!switch (flag) {
                case "--pipeline-stages", "--stage", "--cluster-seed", "--bind", "--stage-layers", "--stage-factory",
                        "--join-timeout" -> true;
                default -> false;
            }) {
                throw new IllegalArgumentException(flag + ": unknown option");
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(flag + ": needs a value");
            }
            values.put(flag, args[++i]);
        }
        int stages = positive(values, "--pipeline-stages", null);
        int stage = whole(values, "--stage", null);
        if (stage >= stages) {
            throw new IllegalArgumentException("--stage: must be between 0 and " + (stages - 1) + ", got " + stage);
        }
        HostPort seed = HostPort.parse("--cluster-seed", required(values, "--cluster-seed"));
        HostPort bind = values.containsKey("--bind") ? HostPort.parse("--bind", values.get("--bind"))
                : stage == 0 ? seed : new HostPort(seed.host(), 0);
        return new NodeOptions(stages, stage, seed, bind, values.get("--stage-layers"),
                required(values, "--stage-factory"), positive(values, "--join-timeout", "60"));
    }

    private static String required(Map<String, String> values, String flag) {
        String v = values.get(flag);
        if (v == null) {
            throw new IllegalArgumentException(flag + ": missing");
        }
        return v;
    }

    private static int whole(Map<String, String> values, String flag, String fallback) {
        String v = values.getOrDefault(flag, fallback);
        if (v == null) {
            throw new IllegalArgumentException(flag + ": missing");
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new IllegalArgumentException(flag + ": must not be negative, got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": '" + v + "' is not a whole number");
        }
    }

    private static int positive(Map<String, String> values, String flag, String fallback) {
        int n = whole(values, flag, fallback);
        if (n < 1) {
            throw new IllegalArgumentException(flag + ": must be at least 1, got " + n);
        }
        return n;
    }
}
