package dev.squall.engine.graph;

import java.util.List;
import java.util.Optional;

/**
 * A backend that is found at run time rather than linked in: implementations are listed in
 * {@code META-INF/services/dev.squall.engine.graph.BackendProvider} of their jar and loaded with
 * {@link java.util.ServiceLoader} (see {@link Backends}). This keeps the engine free of any dependency on,
 * say, TornadoVM, whose backend is only built with {@code -Ptornado} and only runs in a TornadoVM JVM.
 * The built-in JVM backend needs no provider.
 */
public interface BackendProvider {
    /** The name users select it by, e.g. {@code tornado}. */
    String name();

    /**
     * Why the backend cannot run in this JVM (its runtime is missing or misconfigured), or empty when it
     * can. Must be cheap to call when the answer is "missing" and must not throw.
     */
    Optional<String> unavailable();

    /** Lines describing the backend and its devices, for {@code squall info}; call only when available. */
    List<String> describe();

    /** A new backend configured from the provider's settings; call only when available. */
    Backend create();
}
