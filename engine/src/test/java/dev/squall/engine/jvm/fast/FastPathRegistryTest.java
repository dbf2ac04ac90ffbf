package dev.squall.engine.jvm.fast;

import dev.squall.engine.jvm.FastPath;
import dev.squall.engine.jvm.FastPathFor;
import dev.squall.engine.jvm.FastPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fast paths mirror the kernels and are all discovered: the fast path of kernel class
 * {@code dev.squall.tasks.<family>.X} is {@code dev.squall.engine.jvm.fast.<family>.XVector}, listed in
 * {@code META-INF/services/dev.squall.engine.jvm.FastPath}. Fails when a fast-path class is missing from that
 * list, when a listed one breaks the naming rule or replaces no kernel, and when a kernel class has an
 * {@code XVector} twin that is not a registered fast path.
 */
class FastPathRegistryTest {
    private static final String FAST = "dev.squall.engine.jvm.fast.";
    private static final String TASKS = "dev.squall.tasks.";
    /** Shared machinery: no fast path lives there. */
    private static final Set<String> SHARED = Set.of("driver", "lanes", "math");

    @Test
    void everyFastPathClassIsRegisteredAndEveryRegisteredOneReplacesKernels() throws Exception {
        Set<String> registered = new TreeSet<>();
        for (Class<?> c : FastPaths.registered()) {
            registered.add(c.getName());
        }
        List<String> problems = new ArrayList<>();
        for (Class<?> c : compiledFastClasses()) {
            boolean fastPath = c.isAnnotationPresent(FastPathFor.class) || FastPath.class.isAssignableFrom(c);
            if (fastPath && !registered.contains(c.getName())) {
                problems.add(c.getName() + " is a fast path but not listed in META-INF/services/"
                        + FastPath.class.getName());
            }
            String twin = kernelTwin(c);
            if (twin != null && hasKernels(twin) && !registered.contains(c.getName())) {
                problems.add(c.getName() + " is named as the fast path of " + twin + " but is not a registered one");
            }
        }
        for (String name : registered) {
            Class<?> c = Class.forName(name);
            FastPathFor target = c.getAnnotation(FastPathFor.class);
            if (target == null || !FastPath.class.isAssignableFrom(c)) {
                problems.add(name + " must implement FastPath and be annotated @FastPathFor");
                continue;
            }
            String expected = target.value().getName().replace(TASKS, FAST) + "Vector";
            if (!name.equals(expected)) {
                problems.add(name + " replaces kernels of " + target.value().getName() + ", so it must be " + expected);
            }
            try {
                if (FastPaths.of(c).all().isEmpty()) {
                    problems.add(name + " replaces no kernel");
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theStandardFastPathsAreTheRegisteredOnes() throws Exception {
        Set<Class<?>> fromStandard = new java.util.HashSet<>();
        FastPaths.standard().all().forEach(i -> fromStandard.add(i.method().getDeclaringClass()));
        assertEquals(Set.copyOf(FastPaths.registered()), fromStandard);
    }

    /**
     * {@code tasks.<family>.X} for a class {@code fast.<family>.XVector} (every such name mirrors a kernel-module
     * class); null for other classes. A twin that does not exist is an error.
     */
    private static String kernelTwin(Class<?> c) {
        String rest = c.getName().substring(FAST.length());
        int dot = rest.indexOf('.');
        if (dot < 0 || !rest.endsWith("Vector") || SHARED.contains(rest.substring(0, dot))) {
            return null;
        }
        String twin = TASKS + rest.substring(0, rest.length() - "Vector".length());
        try {
            Class.forName(twin, false, FastPathRegistryTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(c.getName() + " is named as the twin of " + twin + ", which does not exist");
        }
        return twin;
    }

    /**
     * Whether {@code kernelClass} has kernels: public static void methods ending in {@code (int rowOffset,
     * int rowCount)} (the kernel module is compiled with {@code -parameters}).
     */
    private static boolean hasKernels(String kernelClass) throws ClassNotFoundException {
        for (Method m : Class.forName(kernelClass).getDeclaredMethods()) {
            Parameter[] p = m.getParameters();
            if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()) && m.getReturnType() == void.class
                    && p.length >= 2 && p[p.length - 2].getName().equals("rowOffset")
                    && p[p.length - 1].getName().equals("rowCount")) {
                return true;
            }
        }
        return false;
    }

    /** Every top-level class compiled into {@code dev.squall.engine.jvm.fast} and its subpackages. */
    private static List<Class<?>> compiledFastClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(FastPath.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path fast = root.resolve(FAST.replace('.', '/'));
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(fast)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("$"))
                    .sorted().toList()) {
                String name = root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".");
                classes.add(Class.forName(name.substring(0, name.length() - ".class".length())));
            }
        }
        assertTrue(classes.size() > 20, "found only " + classes + " under " + fast);
        return classes;
    }

    @Test
    void sharedPackagesHoldNoFastPath() throws Exception {
        List<String> misplaced = compiledFastClasses().stream()
                .filter(c -> c.isAnnotationPresent(FastPathFor.class))
                .map(Class::getName)
                .filter(n -> SHARED.contains(n.substring(FAST.length()).split("\\.")[0]))
                .toList();
        assertEquals(List.of(), misplaced, "fast paths live in the package of their kernel's family");
        assertTrue(Arrays.stream(FastPath.class.getDeclaredMethods()).findAny().isEmpty(), "FastPath is a marker");
    }
}
