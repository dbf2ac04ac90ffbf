package dev.squall.benchmarks;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.Backends;
import dev.squall.engine.jvm.JvmBackend;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Settings shared by Squall's benchmarks: average time per operation in milliseconds, one fork with a
 * large heap (the unfused attention at N=4096 holds two 800 MB score buffers), a short warm-up and a few
 * iterations; every knob can be overridden on the JMH command line ({@code -f}, {@code -wi}, {@code -i},
 * {@code -p threads=1}, {@code -p backend=tornado} under {@code tornado-config/run jmh}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public abstract class BenchmarkDefaults {
    /** Threads of the JVM backend. */
    @Param({"2"})
    public int threads;

    /** The backend: {@code jvm}, or one a provider contributes, e.g. {@code tornado}. */
    @Param({Backends.JVM})
    public String backend;

    /** A new backend as the parameters say. */
    protected Backend newBackend() {
        return Backends.JVM.equals(backend) ? new JvmBackend(threads) : Backends.create(backend);
    }
}
