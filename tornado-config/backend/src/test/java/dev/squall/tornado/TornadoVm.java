package dev.squall.tornado;

import org.junit.jupiter.api.Assumptions;

import java.util.Optional;

/**
 * The TornadoVM backend shared by the tests of one JVM (one TornadoVM runtime, one device context). When
 * the JVM cannot run TornadoVM (no {@code TORNADO_SDK} when Maven started, so no TornadoVM argfile), the
 * tests that need it are skipped, saying why, rather than failing.
 */
final class TornadoVm {
    private static TornadoBackend backend;
    private static boolean told;

    private TornadoVm() {
    }

    /** The shared backend, or the calling test is aborted (skipped) with the reason. */
    static synchronized TornadoBackend backend() {
        Optional<String> problem = TornadoEnvironment.problem();
        if (problem.isPresent()) {
            String message = "TornadoVM tests SKIPPED: " + problem.get()
                    + " (set TORNADO_SDK and run mvn -Ptornado verify, or tornado-config/run test)";
            if (!told) {
                System.out.println("*".repeat(100) + "\n" + message + "\n" + "*".repeat(100));
                told = true;
            }
            Assumptions.abort(message);
        }
        if (backend == null) {
            backend = new TornadoBackend(TornadoSettings.load());
        }
        return backend;
    }
}
