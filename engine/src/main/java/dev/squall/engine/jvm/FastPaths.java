package dev.squall.engine.jvm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU fast paths the JVM backend may run instead of plain kernels: faster implementations (Java
 * Vector API, cache-blocked and register-blocked loops) of the same computation. Fast-path classes are
 * loaded by name, so that a JVM started without {@code --add-modules jdk.incubator.vector} still runs: it
 * falls back to the plain kernels with a one-line notice.
 */
public final class FastPaths {
    /** Fast-path classes, each annotated {@link FastPathFor}. */
    private static final List<String> STANDARD = List.of(
            "dev.squall.engine.jvm.fast.VectorGemm",
            "dev.squall.engine.jvm.fast.VectorFusedAttention",
            "dev.squall.engine.jvm.fast.VectorDenseAttention",
            "dev.squall.engine.jvm.fast.VectorSoftmax",
            "dev.squall.engine.jvm.fast.VectorNorms",
            "dev.squall.engine.jvm.fast.VectorActivations",
            // compressed weights (quantised, 16-bit, sparse)
            "dev.squall.engine.jvm.fast.DenseGemmVector", "dev.squall.engine.jvm.fast.BlockQ8Vector",
            "dev.squall.engine.jvm.fast.BlockQ4Vector", "dev.squall.engine.jvm.fast.Int8WeightsVector",
            "dev.squall.engine.jvm.fast.TernaryVector", "dev.squall.engine.jvm.fast.BinaryVector",
            "dev.squall.engine.jvm.fast.CsrVector", "dev.squall.engine.jvm.fast.Sparse24Vector",
            "dev.squall.engine.jvm.fast.Int8ActivationsVector", "dev.squall.engine.jvm.fast.TernaryA8Vector",
            // sparse attention patterns
            "dev.squall.engine.jvm.fast.VectorWindowAttention",
            "dev.squall.engine.jvm.fast.VectorBlockSparseAttention",
            "dev.squall.engine.jvm.fast.VectorCachedAttention", "dev.squall.engine.jvm.fast.VectorInt8KvAttention");

    private static FastPaths standard;

    /**
     * One replacement.
     *
     * @param kernel  the plain kernel it replaces
     * @param method  the fast method
     * @param spread  the fast method, taking its arguments (row range included) as one {@code Object[]}
     * @param label   implementation name for profiles
     */
    public record Implementation(Method kernel, Method method, MethodHandle spread, String label) {
        /** Runs the fast path on rows {@code [rowOffset, rowOffset + rowCount)}. */
        public void run(List<Object> args, int rowOffset, int rowCount) {
            Object[] all = args.toArray(new Object[args.size() + 2]);
            all[args.size()] = rowOffset;
            all[args.size() + 1] = rowCount;
            try {
                spread.invoke(all);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    private final Map<Method, Implementation> byKernel;
    private final String status;

    private FastPaths(Map<Method, Implementation> byKernel, String status) {
        this.byKernel = byKernel;
        this.status = status;
    }

    /** No fast paths: every kernel runs as written. */
    public static FastPaths none() {
        return new FastPaths(Map.of(), "off");
    }

    /** The fast paths shipped with Squall, or none (with a notice on standard error) where they cannot load. */
    public static synchronized FastPaths standard() {
        if (standard == null) {
            try {
                Class<?>[] classes = new Class<?>[STANDARD.size()];
                for (int i = 0; i < classes.length; i++) {
                    classes[i] = Class.forName(STANDARD.get(i));
                }
                standard = of(classes);
            } catch (ClassNotFoundException | LinkageError e) {
                System.err.println("squall: CPU fast paths unavailable (" + e
                        + "); start Java with --add-modules jdk.incubator.vector for them. Running plain kernels.");
                standard = new FastPaths(Map.of(), "off (" + e.getClass().getSimpleName() + ")");
            }
        }
        return standard;
    }

    /**
     * The preferred float vector of the Vector API on this machine, e.g. {@code 256-bit, 8 floats}, or why
     * there is none (module not added). Read reflectively so this class loads without the module.
     */
    public static String vectorSpecies() {
        try {
            Class<?> vector = Class.forName("jdk.incubator.vector.FloatVector");
            Object species = vector.getField("SPECIES_PREFERRED").get(null);
            Class<?> type = Class.forName("jdk.incubator.vector.VectorSpecies");
            int bits = (int) type.getMethod("vectorBitSize").invoke(species);
            int lanes = (int) type.getMethod("length").invoke(species);
            return bits + "-bit, " + lanes + " floats per vector";
        } catch (ReflectiveOperationException | LinkageError e) {
            return "none (jdk.incubator.vector not added: " + e.getClass().getSimpleName() + ")";
        }
    }

    /** The fast paths of the given {@link FastPathFor} classes. */
    public static FastPaths of(Class<?>... classes) {
        Map<Method, Implementation> map = new HashMap<>();
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        for (Class<?> c : classes) {
            FastPathFor target = c.getAnnotation(FastPathFor.class);
            if (target == null) {
                throw new IllegalArgumentException(c.getName() + " is not annotated @FastPathFor");
            }
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || !Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                Method kernel = kernel(target.value(), m);
                try {
                    MethodHandle h = lookup.unreflect(m).asSpreader(Object[].class, m.getParameterCount());
                    map.put(kernel, new Implementation(kernel, m, h, target.label()));
                } catch (IllegalAccessException e) {
                    throw new IllegalArgumentException("fast path " + m + " is not accessible", e);
                }
            }
        }
        return new FastPaths(Map.copyOf(map), map.isEmpty() ? "none registered" : "on, " + map.size() + " kernels");
    }

    /** The fast path replacing {@code kernel}, if any. */
    public Optional<Implementation> of(Method kernel) {
        return Optional.ofNullable(byKernel.get(kernel));
    }

    /** Every replacement, for listings and tests. */
    public List<Implementation> all() {
        return List.copyOf(byKernel.values());
    }

    /** One line for {@code squall info} and backend descriptions. */
    public String status() {
        return status;
    }

    private static Method kernel(Class<?> kernels, Method fast) {
        try {
            Method k = kernels.getMethod(fast.getName(), fast.getParameterTypes());
            if (!Modifier.isStatic(k.getModifiers()) || k.getReturnType() != void.class) {
                throw new NoSuchMethodException();
            }
            return k;
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("fast path " + fast.getDeclaringClass().getSimpleName() + "."
                    + fast.getName() + Arrays.toString(fast.getParameterTypes()) + " replaces no kernel of "
                    + kernels.getName());
        }
    }
}
