package dev.squall.cli;

import dev.squall.engine.graph.BackendProvider;
import dev.squall.engine.graph.Backends;
import dev.squall.engine.jvm.FastPaths;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code squall info}: the JDK, the backends, threads, the fast path of each kernel class, and the CPU features. */
@Command(name = "info", description = "Show the JDK, available backends, threads and CPU features.")
final class InfoCommand implements Callable<Integer> {
    private static final List<String> FEATURES = List.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl",
            "avx512_bf16", "avx512_vnni", "avx512_fp16", "f16c", "neon", "asimd", "sve");

    @Override
    public Integer call() {
        System.out.println(MachineInfo.describe());
        System.out.printf("jdk:       %s %s (%s)%n", System.getProperty("java.vm.vendor"),
                System.getProperty("java.runtime.version"), System.getProperty("java.home"));
        System.out.printf("threads:   %d (default for the jvm backend: available processors)%n",
                Runtime.getRuntime().availableProcessors());
        System.out.println("backends:  jvm (built in)");
        for (BackendProvider p : Backends.providers()) {
            Optional<String> reason = p.unavailable();
            if (reason.isPresent()) {
                System.out.printf("           %s: not available: %s%n", p.name(), reason.get());
            } else {
                p.describe().forEach(line -> System.out.printf("           %s: %s%n", p.name(), line));
            }
        }
        if (Backends.find("tornado").isEmpty()) {
            System.out.println("           tornado: not available (run under tornado-config/run with TORNADO_SDK set)");
        }
        FastPaths fast = FastPaths.standard();
        System.out.printf("fast paths: %s%n", fast.status());
        fastPathsByKernelClass(fast).forEach(line -> System.out.printf("           %s%n", line));
        System.out.printf("vector:    %s%n", dev.squall.engine.jvm.FastPaths.vectorSpecies());
        if (fast.coversGemm()) {
            System.out.printf("gemm:      %s%n", FastPaths.gemmKernel(true));
        }
        System.out.printf("cpu flags: %s%n", cpuFlags().map(flags -> String.join(" ",
                FEATURES.stream().filter(f -> flags.contains(" " + f + " ")).toList())).orElse("(unknown)"));
        System.out.printf("max heap:  %d MiB%n", Runtime.getRuntime().maxMemory() >> 20);
        return 0;
    }

    /** One line per kernel class: {@code gemm.Gemm -> fast.gemm.GemmVector (matmul, panelMatmul)}. */
    static List<String> fastPathsByKernelClass(FastPaths fast) {
        Map<String, List<FastPaths.Implementation>> byClass = fast.all().stream().collect(Collectors.groupingBy(
                i -> i.kernel().getDeclaringClass().getName(), TreeMap::new, Collectors.toList()));
        return byClass.values().stream().map(impls -> {
            Method first = impls.get(0).method();
            return impls.get(0).kernel().getDeclaringClass().getName().replace("dev.squall.tasks.", "") + " -> "
                    + first.getDeclaringClass().getName().replace("dev.squall.engine.jvm.", "") + " ("
                    + impls.stream().map(i -> i.kernel().getName()).distinct().collect(Collectors.joining(", ")) + ")";
        }).toList();
    }

    private static Optional<String> cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("flags") || l.startsWith("Features"))
                    .findFirst().map(l -> " " + l.substring(l.indexOf(':') + 1).trim() + " ");
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
