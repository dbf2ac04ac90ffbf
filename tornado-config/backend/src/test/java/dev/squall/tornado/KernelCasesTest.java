package dev.squall.tornado;

import dev.squall.engine.graph.Profile;
import dev.squall.engine.jvm.FastPaths;
import dev.squall.engine.jvm.JvmBackend;
import dev.squall.tasks.testing.RandomArrays;
import dev.squall.tasks.testing.Seeds;
import dev.squall.tasks.testing.Subject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every kernel of {@link KernelCases} on TornadoVM against the same plain kernel on the JVM backend (its Vector
 * API fast paths off: they are checked against the plain kernels in the engine's tests, and their FMAs would
 * differ from the device's Java arithmetic in the last bits, which a near tie then turns into a different
 * decision): outputs poisoned before each of two executions (the second reuses the compiled kernels and the
 * device buffers), fp32 bound, integer outputs identical. Prints
 * what compiled, the compile time (while the plan was built), the wall time of the first execution (PoCL
 * finishes building a kernel at its first launch) and the kernel times of the second.
 */
class KernelCasesTest {
    private static final JvmBackend JVM = new JvmBackend(1, FastPaths.none());
    private static final List<String> REPORT = new ArrayList<>();

    static List<KernelCase> cases() {
        return KernelCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheJvmBackend(KernelCase c) {
        TornadoBackend tornado = TornadoVm.backend();
        long seed = Seeds.fresh();
        KernelCase.Built onJvm = c.build().apply(RandomArrays.withSeed(seed));
        KernelCase.Built onTornado = c.build().apply(RandomArrays.withSeed(seed));
        CrossCheck.addTransfers(onJvm.graph(), onJvm.outputs());
        CrossCheck.addTransfers(onTornado.graph(), onTornado.outputs());
        JVM.plan(onJvm.graph()).execute();
        try (TornadoPlan plan = tornado.plan(onTornado.graph())) {
            Profile last = null;
            long firstRun = 0;
            for (int run = 1; run <= 2; run++) {
                CrossCheck.poisonOutputs(onTornado.graph());
                long start = System.nanoTime();
                last = plan.execute();
                firstRun = run == 1 ? System.nanoTime() - start : firstRun;
                for (int o = 0; o < onJvm.outputs().size(); o++) {
                    KernelCase.Output expected = onJvm.outputs().get(o);
                    CrossCheck.assertMatches(Subject.of(c.name(), expected.name() + ", execution " + run, seed),
                            onTornado.outputs().get(o), expected);
                }
            }
            record(c, plan, firstRun, last);
        }
    }

    private static void record(KernelCase c, TornadoPlan plan, long firstRun, Profile steady) {
        long compile = plan.compileNanos().stream().mapToLong(Long::longValue).sum();
        StringBuilder kernels = new StringBuilder();
        for (Profile.TaskProfile t : steady.graphs().get(0).tasks()) {
            kernels.append(String.format(Locale.ROOT, " %s %.1f us;", t.kernel(), t.nanos() / 1e3));
        }
        synchronized (REPORT) {
            REPORT.add(String.format(Locale.ROOT, "%-100s compile %6.0f ms, first run %5.0f ms, then kernels:%s", c.name(),
                    compile / 1e6, firstRun / 1e6, kernels));
        }
    }

    @AfterAll
    static void report() {
        JVM.close();
        if (!REPORT.isEmpty()) {
            System.out.println("TornadoVM kernels (" + TornadoVm.backend().description() + "), all compiled to the device"
                    + " and matched the JVM backend:");
            REPORT.forEach(System.out::println);
        }
    }
}
