package dev.squall.tornado;

import dev.squall.engine.graph.Backend;
import dev.squall.engine.graph.BackendProvider;

import java.util.List;
import java.util.Optional;

/**
 * Makes the TornadoVM backend selectable as {@code --backend tornado}. Listed in
 * {@code META-INF/services}; checks its JVM before touching any TornadoVM class, so the engine can load it
 * anywhere.
 */
public final class TornadoBackendProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "tornado";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailable() {
        Optional<String> problem = TornadoEnvironment.problem();
        if (problem.isPresent()) {
            return problem;
        }
        try {
            TornadoDevices.list(TornadoSettings.load());
            return Optional.empty();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            return Optional.of("TornadoVM did not start: " + e);
        }
    }

    @Override
    public List<String> describe() {
        TornadoSettings settings = TornadoSettings.load();
        List<String> lines = new java.util.ArrayList<>(TornadoDevices.list(settings).stream()
                .map(d -> "device " + d).toList());
        lines.add("settings " + settings.source());
        return lines;
    }

    @Override
    public Backend create() {
        return new TornadoBackend(TornadoSettings.load());
    }
}
