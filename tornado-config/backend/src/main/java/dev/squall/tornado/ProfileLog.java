package dev.squall.tornado;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads per-task timers from TornadoVM's profiler log, the only place its API exposes them. With the
 * profiler in silent mode each execution of a graph appends one JSON document
 * {@code {"graph": {"TOTAL_...": "n", ..., "graph.task": {"TASK_KERNEL_TIME": "n", ...}, ...}}}; the last
 * document of a graph is the latest execution. The format is flat enough for two regular expressions.
 */
final class ProfileLog {
    private static final Pattern TASK = Pattern.compile("\"([^\"]+)\"\\s*:\\s*\\{([^{}]*)}");
    private static final Pattern ENTRY = Pattern.compile("\"([A-Za-z_()-]+)\"\\s*:\\s*\"([^\"]*)\"");

    private ProfileLog() {
    }

    /**
     * The timers of each task of graph {@code graphId} in the latest document of {@code log}, by task id
     * (without the graph prefix) and timer name, e.g. {@code TASK_KERNEL_TIME}; non-numeric values are skipped.
     */
    static Map<String, Map<String, Long>> latestTasks(String log, String graphId) {
        Map<String, Map<String, Long>> tasks = new HashMap<>();
        int start = log.lastIndexOf("\"" + graphId + "\":");
        if (start < 0) {
            return tasks;
        }
        String prefix = graphId + ".";
        Matcher m = TASK.matcher(log);
        m.region(start + graphId.length() + 3, log.length());
        while (m.find()) {
            if (!m.group(1).startsWith(prefix)) {
                break;
            }
            Map<String, Long> timers = new HashMap<>();
            Matcher e = ENTRY.matcher(m.group(2));
            while (e.find()) {
                try {
                    timers.put(e.group(1), Long.parseLong(e.group(2)));
                } catch (NumberFormatException ignored) {
                    // device names, backends, "n/a" power readings
                }
            }
            tasks.put(m.group(1).substring(prefix.length()), timers);
        }
        return tasks;
    }
}
