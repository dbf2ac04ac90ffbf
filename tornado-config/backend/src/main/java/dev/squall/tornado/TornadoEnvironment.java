package dev.squall.tornado;

import dev.squall.tasks.Parallel;

import java.util.Optional;

/**
 * Whether this JVM can run Squall's kernels on TornadoVM: TornadoVM's runtime is there (the JVM was started
 * with {@code $TORNADO_SDK/tornado-argfile}) and the settings of {@code tornado-config/squall.argfile} are
 * in force. Each of those settings guards against a silent failure, so the backend refuses to run without
 * them. Touches no TornadoVM class, so it is safe in any JVM.
 */
public final class TornadoEnvironment {
    /** The annotation TornadoVM must treat as its {@code @Parallel}. */
    static final String PARALLEL = "tornado.load.annotation.parallel";
    /** Whether a kernel that fails to compile silently runs as Java instead. */
    static final String RECOVER_BAILOUT = "tornado.recover.bailout";
    /** OpenCL build options. */
    static final String OPENCL_FLAGS = "tornado.opencl.compiler.flags";
    private static final String HOW = " (start through tornado-config/run, or add @tornado-config/squall.argfile"
            + " after TornadoVM's argfile)";

    private TornadoEnvironment() {
    }

    /** What is missing or wrong, or empty when TornadoVM can run Squall's kernels here. */
    public static Optional<String> problem() {
        if (!onClassPath("uk.ac.manchester.tornado.api.TornadoExecutionPlan")) {
            return Optional.of("TornadoVM's API is not on the class path: run under tornado-config/run with TORNADO_SDK set");
        }
        if (System.getProperty("tornado.load.runtime.implementation") == null) {
            return Optional.of("this JVM was not started with TornadoVM's argfile: run under tornado-config/run with"
                    + " TORNADO_SDK set");
        }
        String parallel = System.getProperty(PARALLEL);
        if (!Parallel.class.getName().equals(parallel)) {
            return Optional.of("-D" + PARALLEL + " is " + parallel + ", not " + Parallel.class.getName()
                    + ": the kernels would run on a single thread" + HOW);
        }
        if (!"false".equals(System.getProperty(RECOVER_BAILOUT))) {
            return Optional.of("-D" + RECOVER_BAILOUT + "=false is not set: a kernel TornadoVM cannot compile would"
                    + " silently run as sequential Java" + HOW);
        }
        String flags = System.getProperty(OPENCL_FLAGS);
        if (flags == null || flags.contains("fast-relaxed-math") || flags.contains("finite-math-only")) {
            return Optional.of("-D" + OPENCL_FLAGS + " is " + (flags == null ? "TornadoVM's default" : "'" + flags + "'")
                    + ", which includes -cl-fast-relaxed-math: infinities (masked attention) would break" + HOW);
        }
        return Optional.empty();
    }

    private static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, TornadoEnvironment.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
