package dev.squall.engine.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.squall.tasks.testing.RandomArrays;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A test of fast paths that must equal their plain kernels bit for bit, on the machine's preferred vectors and in a
 * child JVM limited to 256-bit vectors ({@code -XX:MaxVectorSize=32}), so that a machine with 512-bit vectors also
 * tests the species an AVX2 machine gets. The implementing class supplies {@link #checkAll}.
 */
public interface BitExactFastPath {
    /** Compares fast and plain on inputs from {@code rnd}; throws on a difference, else returns {@code "<bits>-bit: ok ..."}. */
    String checkAll(RandomArrays rnd);

    @Test
    default void matchesThePlainKernelsBitForBit() {
        System.out.println(checkAll(RandomArrays.fresh()));
    }

    @Test
    default void matchesThePlainKernelsWith256BitVectors() throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32", "-cp",
                System.getProperty("java.class.path"), Check.class.getName(), getClass().getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), getClass().getSimpleName() + ": child JVM did not finish");
        assertTrue(p.exitValue() == 0 && out.contains("256-bit: ok"), out);
    }

    /** The child JVM's entry: runs {@link #checkAll} of a new instance of the class named by the argument. */
    final class Check {
        private Check() {
        }

        /** Prints the check's summary line; exits 1 on a difference. */
        public static void main(String[] args) throws ReflectiveOperationException {
            Constructor<?> make = Class.forName(args[0]).getDeclaredConstructor();
            make.setAccessible(true);
            try {
                System.out.println(((BitExactFastPath) make.newInstance()).checkAll(RandomArrays.fresh()));
            } catch (AssertionError e) {
                System.out.println(e.getMessage());
                System.exit(1);
            }
        }
    }
}
