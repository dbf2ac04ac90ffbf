package dev.squall.tornado;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Per-task timers out of TornadoVM's profiler log (the format of TornadoVM 5.2); needs no TornadoVM. */
class ProfileLogTest {
    private static String document(String graph, long kernel) {
        return """
                {
                    "%1$s": {
                        "COPY_IN_TIME": "2776",
                        "TOTAL_KERNEL_TIME": "%2$d",
                        "%1$s.t0_norm": {
                            "BACKEND": "OPENCL",
                            "METHOD": "Norms.rmsNorm",
                            "DEVICE": "pthread-haswell-AMD EPYC",
                            "POWER_USAGE_mW": "n/a",
                            "TASK_KERNEL_TIME": "%2$d"
                        },\s
                        "%1$s.t1_act": {
                            "BACKEND": "OPENCL",
                            "TASK_KERNEL_TIME": "7",
                            "TASK_COMPILE_GRAAL_TIME": "404602692"
                        }
                    }
                }
                """.formatted(graph, kernel);
    }

    @Test
    void readsTheLatestExecutionOfTheGraph() {
        String log = document("p1g0_chain", 100) + document("p1g0_chain", 13355);
        Map<String, Map<String, Long>> tasks = ProfileLog.latestTasks(log, "p1g0_chain");
        assertEquals(13355L, tasks.get("t0_norm").get("TASK_KERNEL_TIME"));
        assertEquals(404602692L, tasks.get("t1_act").get("TASK_COMPILE_GRAAL_TIME"));
        assertEquals(2, tasks.size());
        assertEquals(Map.of(), ProfileLog.latestTasks(log, "p1g1_other"));
    }
}
