package dev.squall.engine.jvm.fast;

import jdk.incubator.vector.FloatVector;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs a test class again in a second JVM whose preferred float vector is 256 bits ({@code -XX:MaxVectorSize=32}),
 * so that fast paths written for {@code SPECIES_PREFERRED} are tested on both vector shapes of the machines Squall
 * runs on (AVX-512 and AVX2) from a 512-bit machine. A test class calls {@link #rerunAt256} from one test; in the
 * child that test is skipped, the others run with fresh seeds (printed on failure, in the parent's message).
 */
public final class NarrowVectors {
    /** Set in the child JVM. */
    private static final String CHILD = "squall.test.narrowChild";

    private NarrowVectors() {
    }

    /**
     * Runs every test of {@code testClass} in a child JVM with 256-bit preferred vectors and fails unless all pass.
     * Skipped in that child and on machines whose preferred vectors are already 256 bits or narrower.
     */
    public static void rerunAt256(Class<?> testClass) throws IOException, InterruptedException {
        assumeFalse(Boolean.getBoolean(CHILD), "this is the 256-bit child");
        assumeTrue(FloatVector.SPECIES_PREFERRED.vectorBitSize() > 256, "preferred vectors are already 256 bits or less");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxVectorSize=32", "--add-modules", "jdk.incubator.vector", "-Xmx2g", "-D" + CHILD + "=true",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), testClass.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), testClass.getSimpleName() + " at 256 bits did not finish");
        assertEquals(0, p.exitValue(), testClass.getSimpleName() + " at 256 bits:\n" + out);
        assertTrue(out.contains("preferred=256"), out);
    }

    /** The child JVM: runs the named test class with the JUnit launcher, exits 1 if a test failed or none ran. */
    public static final class Child {
        public static void main(String[] args) throws ClassNotFoundException {
            System.out.println("preferred=" + FloatVector.SPECIES_PREFERRED.vectorBitSize());
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectClass(Class.forName(args[0]))).build();
            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(request, listener);
            TestExecutionSummary summary = listener.getSummary();
            summary.printTo(new PrintWriter(System.out, true));
            summary.printFailuresTo(new PrintWriter(System.out, true), 30);
            System.exit(summary.getTotalFailureCount() == 0 && summary.getTestsSucceededCount() > 0 ? 0 : 1);
        }
    }
}
