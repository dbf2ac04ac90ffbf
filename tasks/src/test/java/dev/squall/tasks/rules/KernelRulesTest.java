package dev.squall.tasks.rules;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.tree.ClassNode;

import dev.squall.tasks.Parallel;

/**
 * Every kernel in the production classes of {@code tasks/} obeys {@link KernelRules}. Scans the
 * directory the kernel classes were compiled to ({@code target/classes}, never the test classes), so a
 * new kernel is checked without being registered anywhere.
 */
class KernelRulesTest {
    private static final ClassSource CLASSES = ClassSource.of(KernelRulesTest.class.getClassLoader());

    @Test
    void everyKernelObeysTheRules() throws IOException, URISyntaxException {
        KernelChecker checker = new KernelChecker(CLASSES);
        List<String> kernels = new ArrayList<>();
        List<Violation> violations = new ArrayList<>();
        for (ClassNode c : kernelClasses()) {
            KernelChecker.kernels(c).forEach(m -> kernels.add(Bytecode.methodName(c.name, m.name)));
            violations.addAll(checker.checkClass(c.name));
        }
        // Guards the scan itself: a wrong directory or a broken kernel test would check nothing.
        assertTrue(kernels.containsAll(List.of("Gemm.matmul", "Softmax.softmax", "FusedAttention.attention",
                "Norms.layerNorm")), "kernels found: " + kernels);
        assertTrue(violations.isEmpty(), violations.size() + " kernel rule violation(s) in " + kernels.size()
                + " kernels:\n" + violations.stream().map(Violation::toString).collect(Collectors.joining("\n")));
    }

    /** Classes under {@code dev/squall/tasks} of the production output that declare a kernel. */
    private static List<ClassNode> kernelClasses() throws IOException, URISyntaxException {
        Path root = Path.of(Parallel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(root), "kernel classes are not in a directory: " + root);
        Path packageRoot = root.resolve(KernelRules.KERNEL_PACKAGE);
        try (Stream<Path> files = Files.walk(packageRoot)) {
            return files.filter(f -> f.toString().endsWith(".class"))
                    .map(f -> root.relativize(f).toString().replace('\\', '/').replaceAll("\\.class$", ""))
                    .sorted()
                    .map(CLASSES::get)
                    .filter(c -> !KernelChecker.kernels(c).isEmpty())
                    .toList();
        }
    }
}
