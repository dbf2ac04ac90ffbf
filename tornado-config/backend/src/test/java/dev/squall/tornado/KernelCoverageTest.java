package dev.squall.tornado;

import dev.squall.engine.graph.Task;
import dev.squall.tasks.Parallel;
import dev.squall.tasks.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every kernel of the {@code tasks} module (a {@code public static void} method ending in
 * {@code (int rowOffset, int rowCount)}) is run by at least one of {@link KernelCases}, so a new kernel
 * cannot skip the TornadoVM check. Builds the cases' graphs only: needs no TornadoVM.
 */
class KernelCoverageTest {

    @Test
    void everyKernelHasATornadoCase() throws IOException, URISyntaxException {
        Set<String> kernels = kernels();
        assertFalse(kernels.isEmpty(), "no kernels found next to " + Parallel.class);
        Set<String> covered = new TreeSet<>();
        for (KernelCase c : KernelCases.all()) {
            c.build().apply(RandomArrays.withSeed(1)).graph().tasks().stream()
                    .map(Task::method).map(m -> name(m.method())).forEach(covered::add);
        }
        Set<String> missing = new TreeSet<>(kernels);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "kernels without a case in KernelCases (add one to its family)");
    }

    /** The kernels of the tasks module, found by scanning its classes (a directory or a jar). */
    private static Set<String> kernels() throws IOException, URISyntaxException {
        Path location = Path.of(Parallel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> kernels = new TreeSet<>();
        if (Files.isDirectory(location)) {
            scan(location, kernels);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                scan(jar.getPath("/"), kernels);
            }
        }
        return kernels;
    }

    private static void scan(Path root, Set<String> kernels) throws IOException {
        Path tasks = root.resolve("dev/squall/tasks");
        try (Stream<Path> files = Files.walk(tasks)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains("$") || name.endsWith("package-info")) {
                    continue;
                }
                try {
                    for (Method m : Class.forName(name, false, KernelCoverageTest.class.getClassLoader()).getDeclaredMethods()) {
                        if (isKernel(m)) {
                            kernels.add(name(m));
                        }
                    }
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static boolean isKernel(Method m) {
        Parameter[] p = m.getParameters();
        int n = p.length;
        return Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()) && m.getReturnType() == void.class
                && n >= 2 && p[n - 2].getType() == int.class && p[n - 1].getType() == int.class
                && p[n - 2].getName().equals("rowOffset") && p[n - 1].getName().equals("rowCount");
    }

    private static String name(Method m) {
        return m.getDeclaringClass().getName() + "." + m.getName();
    }
}
