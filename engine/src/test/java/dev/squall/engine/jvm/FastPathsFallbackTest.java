package dev.squall.engine.jvm;

import dev.squall.engine.graph.DataTransferMode;
import dev.squall.engine.graph.Profile;
import dev.squall.engine.graph.TaskGraph;
import dev.squall.tasks.softmax.Softmax;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library in a JVM started without {@code --add-modules jdk.incubator.vector}: the standard fast paths are
 * off with a one-line notice, and a graph runs its plain kernels.
 */
class FastPathsFallbackTest {
    /** Runs in the child JVM: prints the fast-path status and the implementation a softmax task ran. */
    public static final class Probe {
        public static void main(String[] args) {
            float[] x = {1, 2, 3, 4};
            float[] y = new float[4];
            TaskGraph g = new TaskGraph("probe").transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                    .task("softmax", 1, Softmax::softmax, x, y, 4)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
            try (JvmBackend backend = new JvmBackend(1)) {
                Profile p = backend.plan(g).execute();
                System.out.println("status=" + backend.fastPaths().status());
                System.out.println("ran=" + p.graphs().get(0).tasks().get(0).implementation());
                System.out.println("sum=" + (y[0] + y[1] + y[2] + y[3]));
            }
        }
    }

    @Test
    void withoutTheVectorModuleGraphsRunThePlainKernels() throws IOException, InterruptedException {
        String out = ChildJvm.run(Probe.class.getName());
        assertTrue(out.contains("CPU fast paths unavailable"), out);
        assertTrue(out.contains("status=off"), out);
        assertTrue(out.contains("ran=plain"), out);
        assertTrue(out.contains("sum=1.0") || out.contains("sum=0.99999"), out);
    }
}
