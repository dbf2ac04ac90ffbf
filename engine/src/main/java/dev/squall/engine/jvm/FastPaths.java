package dev.squall.engine.jvm;

import dev.squall.tasks.gemm.Gemm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The CPU fast paths the JVM backend may run instead of plain kernels: faster implementations (Java
 * Vector API, cache-blocked and register-blocked loops) of the same computation. The standard ones are the
 * {@link FastPath} classes {@link ServiceLoader} finds (the twin of kernel class {@code tasks/<family>/X} is
 * {@code engine/jvm/fast/<family>/XVector}). A JVM started without {@code --add-modules jdk.incubator.vector}
 * still runs: it falls back to the plain kernels with a one-line notice.
 */
public final class FastPaths {
    /** The module every standard fast path needs. */
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

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
            standard = load();
        }
        return standard;
    }

    private static FastPaths load() {
        String notice = "; start Java with --add-modules " + VECTOR_MODULE + " for them. Running plain kernels.";
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            System.err.println("squall: CPU fast paths unavailable (module " + VECTOR_MODULE + " not added)" + notice);
            return new FastPaths(Map.of(), "off (" + VECTOR_MODULE + " not added)");
        }
        try {
            return of(registered().toArray(Class<?>[]::new));
        } catch (ServiceConfigurationError | ClassNotFoundException | LinkageError e) {
            System.err.println("squall: CPU fast paths unavailable (" + e + ")" + notice);
            return new FastPaths(Map.of(), "off (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * The {@link FastPath} classes listed in {@code META-INF/services}, initialised (so that a class that cannot
     * load fails here, not in a worker thread), in the order listed; none is instantiated.
     */
    public static List<Class<?>> registered() throws ClassNotFoundException {
        List<Class<?>> classes = new ArrayList<>();
        for (ServiceLoader.Provider<FastPath> p : ServiceLoader.load(FastPath.class, FastPaths.class.getClassLoader())
                .stream().toList()) {
            classes.add(Class.forName(p.type().getName(), true, p.type().getClassLoader()));
        }
        return classes;
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

    /**
     * The GEMM micro-kernel and blocking of the fast paths ({@code GemmDriver.describe()}, or its shorter
     * {@code summary()}), or why there is none. Read reflectively so this class loads without the module.
     */
    public static String gemmKernel(boolean full) {
        try {
            Class<?> driver = Class.forName("dev.squall.engine.jvm.fast.driver.GemmDriver");
            return (String) driver.getMethod(full ? "describe" : "summary").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return "none (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** Whether the {@link Gemm} kernels have fast paths here. */
    public boolean coversGemm() {
        return byKernel.keySet().stream().anyMatch(m -> m.getDeclaringClass() == Gemm.class);
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

    /** Every replacement, ordered by kernel class and name, for listings and tests. */
    public List<Implementation> all() {
        return byKernel.values().stream()
                .sorted(Comparator.comparing((Implementation i) -> i.kernel().getDeclaringClass().getName())
                        .thenComparing(i -> i.kernel().getName())
                        .thenComparing(i -> Arrays.toString(i.kernel().getParameterTypes())))
                .toList();
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
