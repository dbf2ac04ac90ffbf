package dev.squall.tasks.rules;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.squall.tasks.Parallel;

/**
 * Kernels are laid out by family, forward and backward side by side ({@link KernelRules}, "Where kernels live"):
 * no package of {@code tasks/} is named after a direction or phase, and every {@code XBackward} class has its
 * forward class {@code X} in the same package.
 */
class KernelLayoutTest {
    private static final String BACKWARD = "Backward";

    @Test
    void familiesKeepForwardAndBackwardTogether() throws IOException, URISyntaxException {
        Path root = Path.of(Parallel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path tasks = root.resolve(KernelRules.KERNEL_PACKAGE);
        List<String> problems = new ArrayList<>();
        List<Path> classes;
        try (Stream<Path> files = Files.walk(tasks)) {
            classes = files.filter(f -> f.toString().endsWith(".class")).toList();
        }
        for (Path f : classes) {
            Path relative = tasks.relativize(f.getParent() == null ? tasks : f.getParent());
            for (Path segment : relative) {
                if (KernelRules.NOT_FAMILIES.contains(segment.toString().toLowerCase(java.util.Locale.ROOT))) {
                    problems.add(root.relativize(f) + ": package '" + segment + "' splits a family; put backward "
                            + "kernels next to the forward ones (same class, or a sibling XBackward in the family)");
                }
            }
            String name = f.getFileName().toString().replaceAll("\\.class$", "");
            if (name.endsWith(BACKWARD) && !name.contains("$")) {
                Path forward = f.resolveSibling(name.substring(0, name.length() - BACKWARD.length()) + ".class");
                if (!Files.exists(forward)) {
                    problems.add(root.relativize(f) + ": no forward class " + root.relativize(forward) + " beside it");
                }
            }
        }
        assertTrue(classes.size() > 10, "found only " + classes + " under " + tasks);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
