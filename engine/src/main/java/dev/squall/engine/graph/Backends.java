package dev.squall.engine.graph;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the backends that {@link BackendProvider}s contribute, by name. */
public final class Backends {
    /** The built-in backend, which needs no provider. */
    public static final String JVM = "jvm";

    private Backends() {
    }

    /** Every provider on the class path, available or not, in class-path order. */
    public static List<BackendProvider> providers() {
        return ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
    }

    /** The provider called {@code name}, if one is on the class path. */
    public static Optional<BackendProvider> find(String name) {
        return providers().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * Creates the provided backend called {@code name}; throws {@link IllegalArgumentException} saying
     * why when there is none or it cannot run here.
     */
    public static Backend create(String name) {
        BackendProvider provider = find(name).orElseThrow(() -> new IllegalArgumentException(
                "backend '" + name + "' not available: " + (name.equals("tornado")
                        ? "run under tornado-config/run with TORNADO_SDK set"
                        : "no provider on the class path (known: " + known() + ")")));
        Optional<String> reason = provider.unavailable();
        if (reason.isPresent()) {
            throw new IllegalArgumentException("backend '" + name + "' not available: " + reason.get());
        }
        return provider.create();
    }

    private static String known() {
        return String.join(", ", java.util.stream.Stream.concat(java.util.stream.Stream.of(JVM),
                providers().stream().map(BackendProvider::name)).toList());
    }
}
